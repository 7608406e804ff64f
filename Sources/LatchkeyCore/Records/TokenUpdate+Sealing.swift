import Foundation

extension TokenUpdate {
    /// Seals tokens a token endpoint granted into one update for `credentialID`: after a refresh, a reconnect or a
    /// first connect. A response without `expires_in` gets the provider's default lifetime.
    public static func sealing(_ tokens: OAuthTokens, for credentialID: String, settings: OAuthSettings, issuedAt: Date,
                               with sealer: Sealer) async throws -> TokenUpdate {
        let lifetime = tokens.expiresIn ?? settings.defaultTokenTTL
        return TokenUpdate(
            credentialID: credentialID,
            accessToken: try await sealer.seal(tokens.accessToken, recordID: credentialID, field: "access_token"),
            refreshToken: try await tokens.refreshToken.asyncMap { try await sealer.seal($0, recordID: credentialID, field: "refresh_token") },
            expiresAt: lifetime.map { issuedAt.addingTimeInterval(TimeInterval($0)) }, issuedAt: issuedAt, scopes: tokens.scopes, tokenFields: tokens.fields
        )
    }
}
