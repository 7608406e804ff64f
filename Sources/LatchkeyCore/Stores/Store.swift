/// Everything Latchkey persists. Each backend (SQLite, PostgreSQL) implements it and passes one conformance suite.
public protocol Store: UserStore, CredentialStore, GroupStore, AuditStore, OAuthAppStore, OAuthRegistrationStore, UserProviderStore, DataKeyStore, RefreshStore, OAuthStateStore, SessionStore, BudgetStore, WebhookStore, AccessChangeStore {
    /// Applies pending migrations.
    func migrate() async throws
    /// Whether the database answers.
    func ping() async -> Bool
    /// Releases connections; the store is unusable afterwards.
    func close() async
}

extension Store {
    public func close() async {}
}
