import LatchkeyCore

/// How a user's MCP server takes the credential: `{"mode": "oauth2" | "bearer" | "header" | "none", "header"?}`.
struct ProviderAuthInput: Decodable, Sendable {
    let mode: String
    let header: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, header
    }

    func auth() throws(LatchkeyError) -> UserProvider.Auth {
        switch mode {
        case "oauth2": return .oauth2
        case "bearer": return .bearer
        case "none": return .none
        case "header":
            guard let header else { throw .validationFailed(field: "auth.header", message: "mode 'header' needs 'header', the header's name") }
            return .header(header)
        default: throw .validationFailed(field: "auth.mode", message: "'auth.mode' is one of oauth2, bearer, header, none")
        }
    }
}
