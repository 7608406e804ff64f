/// A directory of provider files and the rules that apply to it.
public struct CatalogSource: Sendable, Equatable {
    /// The directory path.
    public var directory: String
    /// Shipped-catalog rules: every URL https and every file documented. Operator directories are not strict.
    public var strict: Bool

    /// Creates a source.
    public init(directory: String, strict: Bool) {
        self.directory = directory
        self.strict = strict
    }
}
