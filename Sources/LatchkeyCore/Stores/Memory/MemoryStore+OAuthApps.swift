import Foundation

extension MemoryStore {
    public func putOAuthApp(_ app: OAuthApp) async throws {
        tables.oauthApps[app.provider] = app
        putSealedValue(app.clientSecret, recordID: OAuthApp.recordID(provider: app.provider), field: "client_secret")
    }

    public func oauthApp(provider: String) async throws -> OAuthApp? {
        // The secret is read from the sealed values, where key rotation rewrites it.
        guard var app = tables.oauthApps[provider], let secret = secrets(of: OAuthApp.recordID(provider: provider))["client_secret"] else { return nil }
        app.clientSecret = secret
        return app
    }
}
