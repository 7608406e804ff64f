/// A user's remote MCP server: `{"url"}`.
struct MCPServerInput: Decodable, Sendable {
    let url: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url
    }
}
