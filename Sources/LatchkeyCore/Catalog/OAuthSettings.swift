/// The OAuth 2.0 part of a provider's `auth` block.
public struct OAuthSettings: Sendable, Equatable {
    /// Where the browser is sent for consent (authorization-code mode only).
    public var authorizationURL: String?
    /// The token endpoint.
    public var tokenURL: String
    /// Where refreshes go when it is not the token endpoint (Figma's `/v1/oauth/refresh`).
    public var refreshURL: String?
    /// How the access token is renewed: with a refresh token (the default) or by exchanging the token itself.
    public var refreshGrant: RefreshGrant = .refreshToken
    /// The authorization-URL parameter that carries the scopes: `scope`, or Slack's `user_scope` for user tokens.
    public var scopeParameter = "scope"
    /// The revocation endpoint, when the provider has one.
    public var revocationURL: String?
    /// Scopes requested by default.
    public var scopes: [String]
    /// How scopes are joined in requests and split in responses.
    public var scopeSeparator: String
    /// Extra query parameters on the authorization URL.
    public var authorizationParams: [String: String]
    /// Extra form parameters on token requests.
    public var tokenParams: [String: String]
    /// Whether PKCE S256 is used.
    public var pkce: Bool
    /// How the client authenticates at the token endpoint.
    public var tokenEndpointAuth: TokenEndpointAuth
    /// Lifetime assumed when a token response has no `expires_in`.
    public var defaultTokenTTL: Int?
    /// Seconds before expiry at which a token counts as due.
    public var refreshWindow: Int
    /// Seconds a refresh token survives unused, when the provider documents it.
    public var refreshTokenIdleTTL: Int?
    /// Dot paths into token responses that nest their tokens.
    public var tokenResponsePaths: [String: String]
    /// Token-response fields kept with the credential, usable in proxy templates.
    public var tokenFields: [String]
    /// Values learnt while connecting (callback query, token response, one follow-up GET), kept like token fields.
    public var connectValues: [ConnectValue] = []
    /// Fixed headers on Latchkey's own requests to the token and revocation endpoints (Reddit's descriptive
    /// User-Agent): exchange, refresh, client credentials and revocation.
    public var tokenHeaders: [String: String] = [:]
    /// The endpoints are not in the file: they are discovered from the remote MCP server at connect time (RFC 9728,
    /// RFC 8414), and a credential carries the authorization server it was issued by.
    public var discovered: Bool = false
    /// With `discovered`: the field holding the issuer a user types when connecting (OpenID Connect discovery at
    /// it), rather than a remote MCP server's authorization server.
    public var issuerField: String?

    /// How a client authenticates at a token endpoint.
    public enum TokenEndpointAuth: String, Sendable, Equatable {
        case clientSecretPost = "client_secret_post"
        case clientSecretBasic = "client_secret_basic"
        /// A public client (a registration without a secret): only `client_id` is sent.
        case none
    }

    /// Creates settings.
    public init(
        authorizationURL: String? = nil, tokenURL: String, revocationURL: String? = nil, scopes: [String] = [],
        scopeSeparator: String = " ", authorizationParams: [String: String] = [:], tokenParams: [String: String] = [:],
        pkce: Bool = true, tokenEndpointAuth: TokenEndpointAuth = .clientSecretPost, defaultTokenTTL: Int? = nil,
        refreshWindow: Int = 300, refreshTokenIdleTTL: Int? = nil, tokenResponsePaths: [String: String] = [:], tokenFields: [String] = []
    ) {
        self.authorizationURL = authorizationURL
        self.tokenURL = tokenURL
        self.revocationURL = revocationURL
        self.scopes = scopes
        self.scopeSeparator = scopeSeparator
        self.authorizationParams = authorizationParams
        self.tokenParams = tokenParams
        self.pkce = pkce
        self.tokenEndpointAuth = tokenEndpointAuth
        self.defaultTokenTTL = defaultTokenTTL
        self.refreshWindow = refreshWindow
        self.refreshTokenIdleTTL = refreshTokenIdleTTL
        self.tokenResponsePaths = tokenResponsePaths
        self.tokenFields = tokenFields
    }
}
