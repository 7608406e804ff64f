/// Calls a person must approve first: those with one of `methods` (all when nil) on one of `paths` (all when nil).
public struct ApprovalRule: Sendable, Equatable, Codable {
    /// Upper-case methods; nil for every method.
    public var methods: [String]?
    /// Path patterns; nil for every path.
    public var paths: [PathPattern]?

    public init(methods: [String]? = nil, paths: [PathPattern]? = nil) {
        self.methods = methods
        self.paths = paths
    }

    /// A short text naming the rule, for people and for approval records (`DELETE /repos/**`).
    public var summary: String {
        "\(methods?.joined(separator: ",") ?? "*") \(paths?.map(\.text).joined(separator: ",") ?? "/**")"
    }
}
