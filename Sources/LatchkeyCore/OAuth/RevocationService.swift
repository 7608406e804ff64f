/// Deleting a credential, and revoking its grant at the provider when the provider has a revocation endpoint.
public struct RevocationService: Sendable {
    let credentials: CredentialService
    let catalog: Catalog
    let sealer: Sealer
    let requester: TokenRequester
    let clients: OAuthClientSource
    let audit: AuditLog

    /// Creates the service.
    public init(credentials: CredentialService, store: any Store, catalog: Catalog, sealer: Sealer, requester: TokenRequester, clients: OAuthClientSource, clock: any WallClock) {
        self.credentials = credentials
        self.catalog = catalog
        self.sealer = sealer
        self.requester = requester
        self.clients = clients
        self.audit = AuditLog(store: store, clock: clock)
    }

    /// Deletes the owner's credential; for OAuth, then revokes the refresh token (or the access token) at the
    /// provider, best effort: a provider outage never keeps a user from deleting.
    public func delete(owner: User, id: String) async throws {
        let credential = try await credentials.owned(owner: owner, id: id)
        // Open the token before the delete removes it.
        var token: (String, String)?
        if let provider = catalog.provider(credential.provider), provider.oauth?.revocationURL != nil || provider.oauth?.discovered == true {
            for field in ["refresh_token", "access_token"] {
                if let sealed = credential.secrets[field], let value = try? await sealer.open(sealed, recordID: credential.id, field: field) {
                    token = (value, field)
                    break
                }
            }
        }
        try await credentials.delete(owner: owner, id: id)
        guard let (value, hint) = token, let listed = catalog.provider(credential.provider),
              let (provider, client) = try? await clients.tokenClient(for: listed, fields: credential.publicFields) else { return }
        let revoked = await requester.revoke(token: value, hint: hint, provider: provider, client: client, fields: credential.publicFields)
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: revoked ? "credential.revoked_at_provider" : "credential.revocation_failed",
                               targetType: "credential", targetID: id, detail: ["provider": provider.id])
    }
}
