/// A configuration problem: the process exits with status 2 and prints it.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, never a secret.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
