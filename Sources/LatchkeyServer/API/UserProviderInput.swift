import LatchkeyCore

/// `POST /api/v1/providers`: `{"id", "name", "mcp": {"url"}, "auth"?: {"mode", "header"?}}` (auth: oauth2 when absent).
struct UserProviderInput: Decodable, Sendable {
    let id: String
    let name: String
    let mcp: MCPServerInput
    let auth: ProviderAuthInput?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, mcp, auth
    }

    /// What the service adds.
    func service() throws(LatchkeyError) -> UserProviderService.Input {
        .init(id: id, name: name, url: mcp.url, auth: try auth?.auth() ?? .oauth2)
    }
}
