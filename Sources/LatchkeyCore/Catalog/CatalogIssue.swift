/// One problem in a provider file: where it is and what is wrong.
public struct CatalogIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, as given to the loader.
    public var file: String
    /// The key path inside the file, e.g. `auth.fields[0].pattern`; empty for the whole file.
    public var keyPath: String
    /// What is wrong.
    public var reason: String

    /// Creates an issue.
    public init(file: String, keyPath: String, reason: String) {
        self.file = file
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String { keyPath.isEmpty ? "\(file): \(reason)" : "\(file): \(keyPath): \(reason)" }
}

/// A catalog that failed validation, with every problem found.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    /// All problems, in file order.
    public var issues: [CatalogIssue]

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
