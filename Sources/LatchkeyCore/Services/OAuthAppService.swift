/// OAuth client registrations, set by admins.
public struct OAuthAppService: Sendable {
    let store: any Store
    let catalog: Catalog
    let sealer: Sealer
    let clock: any WallClock

    /// Creates the service.
    public init(store: any Store, catalog: Catalog, sealer: Sealer, clock: any WallClock) {
        self.store = store
        self.catalog = catalog
        self.sealer = sealer
        self.clock = clock
    }

    /// Stores the app of `providerID`; admins only. The secret is sealed.
    public func put(by user: User, provider providerID: String, clientID: String, clientSecret: String) async throws -> OAuthApp {
        guard user.role == .admin else { throw LatchkeyError.forbidden("only admins set OAuth apps") }
        guard let provider = catalog.providers[providerID] else { throw LatchkeyError.notFound("provider '\(providerID)'") }
        guard provider.authMode.isOAuth else { throw LatchkeyError.validationFailed(field: "provider", message: "\(providerID) does not use OAuth") }
        let idField = CredentialField(name: "client_id", label: "Client id")
        // A public client (token_endpoint_auth: none) has no secret; one given anyway is kept but never sent.
        let secretField = CredentialField(name: "client_secret", label: "Client secret", required: provider.oauth?.tokenEndpointAuth != OAuthSettings.TokenEndpointAuth.none)
        try FieldValidator.check(clientID, field: idField)
        try FieldValidator.check(clientSecret, field: secretField)
        let sealed = try await sealer.seal(clientSecret, recordID: OAuthApp.recordID(provider: providerID), field: "client_secret")
        let app = OAuthApp(provider: providerID, clientID: clientID, clientSecret: sealed, updatedAt: clock.now)
        try await store.putOAuthApp(app)
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "user:\(user.id)", action: "oauth_app.set", targetType: "oauth_app", targetID: providerID, detail: ["client_id": clientID])
        return app
    }
}
