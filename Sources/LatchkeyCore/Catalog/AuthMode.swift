/// How a provider authenticates: the kind of credential it takes.
public enum AuthMode: String, Sendable, CaseIterable, Codable {
    case oauth2
    case oauth2ClientCredentials = "oauth2_client_credentials"
    case apiKey = "api_key"
    case basic
    case custom

    /// True for the modes whose tokens Latchkey obtains and refreshes itself.
    public var isOAuth: Bool { self == .oauth2 || self == .oauth2ClientCredentials }
}
