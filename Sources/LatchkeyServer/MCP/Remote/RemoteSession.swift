/// Latchkey's own MCP session with a remote server, for one credential: what `initialize` gave.
struct RemoteSession: Sendable {
    /// `Mcp-Session-Id`, when the server keeps sessions.
    var id: String?
    /// The protocol version the server chose.
    var protocolVersion: String
}
