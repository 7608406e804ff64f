extension TokenRequester {
    /// The tokens to keep from a code exchange: for a provider that renews by exchanging its access token (Meta),
    /// the short-lived token just issued is exchanged at once for a long-lived one, so the credential starts with
    /// weeks of life rather than an hour; any other provider's tokens come back as they are. A scope list the
    /// exchange answer leaves out is kept from the code exchange.
    func longLived(_ issued: OAuthTokens, provider: Provider, client: ClientCredentials, fields: [String: String]) async throws(TokenEndpointError) -> OAuthTokens {
        guard case .exchange = provider.oauth?.refreshGrant else { return issued }
        var extended = try await exchangeAccessToken(issued.accessToken, provider: provider, client: client, fields: fields)
        extended.scopes = extended.scopes ?? issued.scopes
        extended.fields = issued.fields.merging(extended.fields) { $1 }
        return extended
    }
}
