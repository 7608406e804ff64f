/// `proxy.defaults`: fixed headers and query parameters (API version pins and the like) that go onto a proxied
/// request only when the agent's request does not carry its own. Unlike `Injection`, the agent may override them;
/// they are never credentials, so they are plain text, not templates.
public struct RequestDefaults: Sendable, Equatable {
    /// Headers added when the agent sent none of that name (ASCII case ignored).
    public var headers: [(name: String, value: String)]
    /// Query parameters added when the agent's query has none of that name.
    public var query: [(name: String, value: String)]

    public init(headers: [(name: String, value: String)] = [], query: [(name: String, value: String)] = []) {
        self.headers = headers
        self.query = query
    }

    public static func == (lhs: RequestDefaults, rhs: RequestDefaults) -> Bool {
        lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
            && lhs.query.map(\.name) == rhs.query.map(\.name) && lhs.query.map(\.value) == rhs.query.map(\.value)
    }
}
