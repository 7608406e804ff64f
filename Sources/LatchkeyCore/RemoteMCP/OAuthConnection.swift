/// What a consent flow uses: the provider with its endpoints (discovered ones filled in), the client to use, the
/// fields the credential must keep to be refreshed by the same client, and the scopes to ask for by default.
public struct OAuthConnection: Sendable {
    public var provider: Provider
    public var client: ClientCredentials
    public var fields: [String: String]
    public var defaultScopes: [String]
}
