/// How a provider authenticates: the kind of credential it takes.
public enum AuthMode: String, Sendable, CaseIterable, Codable {
    case oauth2
    case oauth2ClientCredentials = "oauth2_client_credentials"
    case apiKey = "api_key"
    case basic
    case custom
    /// No credential at all (a public remote MCP server): a binding still says which groups may use it.
    case none

    /// True for the modes whose tokens Latchkey obtains and refreshes itself.
    public var isOAuth: Bool { self == .oauth2 || self == .oauth2ClientCredentials }
}
