/// Where password hashes are checked. A bcrypt check costs about a quarter of a second of CPU on purpose; run on the
/// threads that serve requests, a flood of sign-ins would stall the API and the proxy with them.
public protocol PasswordCheckPool: Sendable {
    /// Runs `work` and returns its result; throws `SignInError.busy` at once when too many checks are waiting.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T
}

/// Runs checks where they are called: for commands and tests, which serve no one else.
public struct InlinePasswordChecks: PasswordCheckPool {
    /// Creates the pool.
    public init() {}
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T { work() }
}
