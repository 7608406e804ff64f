/// Providers whose authorization server is an issuer the user types when connecting (a Keycloak realm, an Okta or
/// Auth0 domain, Authentik, Zitadel): OpenID Connect discovery at that issuer, with the deployment's own OAuth app.
/// The endpoints found are kept with the credential, so its refreshes and revocation go to the very endpoints it was
/// issued by, however the issuer's document changes later.
extension DiscoveredClients {
    /// The credential fields holding the discovered endpoints.
    public static let authorizationEndpointField = "oauth_authorization_endpoint"
    public static let tokenEndpointField = "oauth_token_endpoint"
    public static let revocationEndpointField = "oauth_revocation_endpoint"
    /// Every field a connection adds to what the user typed.
    public static let connectionFields: Set<String> = [issuerField, clientField, authorizationEndpointField, tokenEndpointField, revocationEndpointField]

    /// Discovers the issuer typed in `field` of `fields` and connects with the admin's app.
    func issuerConnection(for provider: Provider, field: String, fields: [String: String], adminApp: ClientCredentials?) async throws -> OAuthConnection {
        guard let settings = provider.oauth else { throw DiscoveryError.refused("\(provider.id) is not an OAuth provider") }
        guard let issuer = fields[field], !issuer.isEmpty else { throw DiscoveryError.refused("the issuer ('\(field)') is required") }
        guard let adminApp else {
            throw DiscoveryError.refused("no OAuth app is set for \(provider.id); an admin sets one with PUT /api/v1/oauth-apps/\(provider.id)")
        }
        try MCPDiscovery.checkURL(issuer, what: "the issuer")
        let (metadata, _) = try await discovery.authorizationServerMetadata(issuer: issuer)
        var kept = [Self.issuerField: metadata.issuer, Self.clientField: adminApp.clientID,
                    Self.authorizationEndpointField: metadata.authorizationEndpoint, Self.tokenEndpointField: metadata.tokenEndpoint]
        kept[Self.revocationEndpointField] = metadata.revocationEndpoint
        return OAuthConnection(provider: Self.provider(provider, metadata: metadata, auth: settings.tokenEndpointAuth), client: adminApp,
                               fields: kept, defaultScopes: settings.scopes)
    }

    /// The provider with the endpoints a credential of an issuer-typed provider keeps, and the admin's client when it
    /// is still the one the credential was issued to.
    static func issuerTokenClient(for provider: Provider, field: String, fields: [String: String], adminApp: ClientCredentials?) throws(TokenEndpointError) -> (Provider, ClientCredentials) {
        guard let settings = provider.oauth, let issuer = fields[Self.issuerField], fields[field] == issuer, let clientID = fields[Self.clientField],
              let authorizationEndpoint = fields[Self.authorizationEndpointField], let tokenEndpoint = fields[Self.tokenEndpointField]
        else { throw .permanent(code: "not_connected_through_discovery") }
        guard let adminApp, adminApp.clientID == clientID else { throw .permanent(code: "client_registration_gone") }
        let metadata = AuthorizationServerMetadata(issuer: issuer, authorizationEndpoint: authorizationEndpoint, tokenEndpoint: tokenEndpoint,
                                                   revocationEndpoint: fields[Self.revocationEndpointField])
        return (Self.provider(provider, metadata: metadata, auth: settings.tokenEndpointAuth), adminApp)
    }
}
