/// OAuth client registrations.
public protocol OAuthAppStore: Sendable {
    /// Creates or replaces the app of a provider.
    func putOAuthApp(_ app: OAuthApp) async throws
    /// The app of a provider.
    func oauthApp(provider: String) async throws -> OAuthApp?
}
