import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func putOAuthApp(_ app: OAuthApp) async throws {
        try await transaction("oauth app") { tx in
            try await tx.rows("""
                INSERT INTO oauth_apps (provider, client_id, updated_at) VALUES (\(app.provider), \(app.clientID), \(app.updatedAt))
                ON CONFLICT (provider) DO UPDATE SET client_id = excluded.client_id, updated_at = excluded.updated_at
                """)
            try await Self.upsertSecret(recordID: OAuthApp.recordID(provider: app.provider), field: "client_secret", app.clientSecret, tx)
        }
    }

    public func oauthApp(provider: String) async throws -> OAuthApp? {
        let rows = try await rows("oauth app", """
            SELECT a.provider, a.client_id, a.updated_at, s.value FROM oauth_apps a
            JOIN sealed_values s ON s.record_id = \(OAuthApp.recordID(provider: provider)) AND s.field = 'client_secret'
            WHERE a.provider = \(provider)
            """)
        return try rows.first.map { row in
            OAuthApp(provider: try row.get("provider"), clientID: try row.get("client_id"), clientSecret: SealedValue(bytes: try row.get("value")),
                     updatedAt: try row.get("updated_at"))
        }
    }
}
