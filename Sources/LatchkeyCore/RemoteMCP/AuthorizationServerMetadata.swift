/// What Latchkey reads of an authorization server's metadata (RFC 8414, or OpenID Connect discovery).
public struct AuthorizationServerMetadata: Sendable, Equatable, Codable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var registrationEndpoint: String?
    public var revocationEndpoint: String?
    public var codeChallengeMethodsSupported: [String]?
    public var tokenEndpointAuthMethodsSupported: [String]?
    public var clientIDMetadataDocumentSupported: Bool?
    public var scopesSupported: [String]?
    /// The provider's signing keys (OpenID Connect discovery; what dashboard sign-in verifies id_tokens with).
    public var jwksURI: String?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case registrationEndpoint = "registration_endpoint"
        case revocationEndpoint = "revocation_endpoint"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case clientIDMetadataDocumentSupported = "client_id_metadata_document_supported"
        case scopesSupported = "scopes_supported"
        case jwksURI = "jwks_uri"
    }

    public init(issuer: String, authorizationEndpoint: String, tokenEndpoint: String, registrationEndpoint: String? = nil, revocationEndpoint: String? = nil,
                codeChallengeMethodsSupported: [String]? = ["S256"], tokenEndpointAuthMethodsSupported: [String]? = nil,
                clientIDMetadataDocumentSupported: Bool? = nil, scopesSupported: [String]? = nil, jwksURI: String? = nil) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.registrationEndpoint = registrationEndpoint
        self.revocationEndpoint = revocationEndpoint
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.clientIDMetadataDocumentSupported = clientIDMetadataDocumentSupported
        self.scopesSupported = scopesSupported
        self.jwksURI = jwksURI
    }
}
