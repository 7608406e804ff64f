/// A remote MCP server a provider stands for (`mcp: {url: …}` in its file): agents reach its tools through
/// Latchkey's `/mcp` and `/mcp/{provider}`, with the provider's credential injected.
public struct RemoteMCPServer: Sendable, Equatable {
    /// The server's Streamable HTTP endpoint, as written in the provider file.
    public var url: String

    /// Creates a server.
    public init(url: String) { self.url = url }

    /// The RFC 8707 resource indicator sent on every authorization and token request: the URL as written.
    public var resource: String { url }

    /// The path relative to the server's base URL that reaches the endpoint itself: `/` when the URL ends in one
    /// (the base-URL guard keeps base paths without their trailing slash), else nothing.
    public var endpointPath: String { url.hasSuffix("/") ? "/" : "" }
}
