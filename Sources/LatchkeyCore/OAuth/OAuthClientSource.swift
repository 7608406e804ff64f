/// Opens the OAuth app of a provider for one token request.
public struct OAuthClientSource: Sendable {
    let store: any Store
    let sealer: Sealer

    /// Creates a source.
    public init(store: any Store, sealer: Sealer) {
        self.store = store
        self.sealer = sealer
    }

    /// The client id and opened secret, or nil when no admin has set the app.
    public func client(for provider: String) async throws -> ClientCredentials? {
        guard let app = try await store.oauthApp(provider: provider) else { return nil }
        let secret = try await sealer.open(app.clientSecret, recordID: OAuthApp.recordID(provider: provider), field: "client_secret")
        return ClientCredentials(clientID: app.clientID, clientSecret: secret)
    }
}
