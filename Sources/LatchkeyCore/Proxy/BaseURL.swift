/// A provider's base URL split into origin (`scheme://host[:port]`) and path prefix (no trailing slash).
public struct BaseURL: Sendable, Equatable {
    /// `scheme://host[:port]`.
    public var origin: String
    /// The path prefix every proxied path is appended to; empty for the root.
    public var path: String
}
