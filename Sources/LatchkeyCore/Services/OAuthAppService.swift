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
        let secretField = try checked(by: user, provider: providerID, clientID: clientID)
        try FieldValidator.check(clientSecret, field: secretField)
        let sealed = try await sealer.seal(clientSecret, recordID: OAuthApp.recordID(provider: providerID), field: "client_secret")
        return try await save(OAuthApp(provider: providerID, clientID: clientID, clientSecret: sealed, updatedAt: clock.now), by: user)
    }

    /// Stores the app of `providerID` with a new client id and the client secret already stored (a form whose secret
    /// was left blank); admins only. The stored secret is kept as sealed bytes: it is never opened just to be kept,
    /// so the plaintext is not in memory for it. Without a stored app this is `put` with an empty secret.
    public func putKeepingSecret(by user: User, provider providerID: String, clientID: String) async throws -> OAuthApp {
        _ = try checked(by: user, provider: providerID, clientID: clientID)
        guard let existing = try await store.oauthApp(provider: providerID) else {
            return try await put(by: user, provider: providerID, clientID: clientID, clientSecret: "")
        }
        return try await save(OAuthApp(provider: providerID, clientID: clientID, clientSecret: existing.clientSecret, updatedAt: clock.now), by: user)
    }

    /// The checks every change makes (admin, an OAuth provider, a valid client id); the secret's field.
    private func checked(by user: User, provider providerID: String, clientID: String) throws -> CredentialField {
        guard user.role == .admin else { throw LatchkeyError.forbidden("only admins set OAuth apps") }
        guard let provider = catalog.providers[providerID] else { throw LatchkeyError.notFound("provider '\(providerID)'") }
        guard provider.authMode.isOAuth else { throw LatchkeyError.validationFailed(field: "provider", message: "\(providerID) does not use OAuth") }
        try FieldValidator.check(clientID, field: CredentialField(name: "client_id", label: "Client id"))
        // A public client (token_endpoint_auth: none) has no secret; one given anyway is kept but never sent.
        return CredentialField(name: "client_secret", label: "Client secret", required: provider.oauth?.tokenEndpointAuth != OAuthSettings.TokenEndpointAuth.none)
    }

    private func save(_ app: OAuthApp, by user: User) async throws -> OAuthApp {
        try await store.putOAuthApp(app)
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "user:\(user.id)", action: "oauth_app.set", targetType: "oauth_app",
                                                             targetID: app.provider, detail: ["client_id": app.clientID])
        return app
    }
}
