import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func oauthRegistration(issuer: String, redirectURI: String) async throws -> OAuthRegistration? {
        try await registration(id: OAuthRegistration.recordID(issuer: issuer, redirectURI: redirectURI))
    }

    public func oauthRegistration(issuer: String, clientID: String) async throws -> OAuthRegistration? {
        let rows = try await rows("oauth registration", """
            SELECT id FROM oauth_registrations WHERE issuer = \(issuer) AND client_id = \(clientID) ORDER BY created_at LIMIT 1
            """)
        guard let id: String = try rows.first?.get("id") else { return nil }
        return try await registration(id: id)
    }

    public func createOAuthRegistration(_ registration: OAuthRegistration) async throws -> OAuthRegistration {
        let inserted = try await transaction("oauth registration") { tx -> Bool in
            let rows = try await tx.rows("""
                INSERT INTO oauth_registrations (id, issuer, redirect_uri, client_id, token_endpoint_auth, metadata, kind, created_at, updated_at)
                VALUES (\(registration.recordID), \(registration.issuer), \(registration.redirectURI), \(registration.clientID),
                        \(registration.tokenEndpointAuth.rawValue), \(registration.metadataJSON), \(registration.kind),
                        \(registration.createdAt), \(registration.updatedAt))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """)
            guard rows.count == 1 else { return false }
            if let secret = registration.clientSecret {
                try await Self.upsertSecret(recordID: registration.recordID, field: "client_secret", secret, tx)
            }
            return true
        }
        if inserted { return registration }
        guard let existing = try await self.registration(id: registration.recordID) else { throw StoreError.conflict("oauth registration") }
        return existing
    }

    public func updateOAuthRegistrationMetadata(issuer: String, redirectURI: String, metadataJSON: String, at: Date) async throws {
        _ = try await rows("oauth registration", """
            UPDATE oauth_registrations SET metadata = \(metadataJSON), updated_at = \(at)
            WHERE id = \(OAuthRegistration.recordID(issuer: issuer, redirectURI: redirectURI))
            """)
    }

    private func registration(id: String) async throws -> OAuthRegistration? {
        let rows = try await rows("oauth registration", """
            SELECT r.issuer, r.redirect_uri, r.client_id, r.token_endpoint_auth, r.metadata, r.kind, r.created_at, r.updated_at, s.value
            FROM oauth_registrations r
            LEFT JOIN sealed_values s ON s.record_id = r.id AND s.field = 'client_secret'
            WHERE r.id = \(id)
            """)
        return try rows.first.map { row in
            let secret: Data? = try row.get("value")
            return OAuthRegistration(
                issuer: try row.get("issuer"), redirectURI: try row.get("redirect_uri"), clientID: try row.get("client_id"),
                clientSecret: secret.map { SealedValue(bytes: $0) },
                tokenEndpointAuth: OAuthSettings.TokenEndpointAuth(rawValue: try row.get("token_endpoint_auth")) ?? .clientSecretPost,
                metadataJSON: try row.get("metadata"), kind: try row.get("kind"), createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
        }
    }
}
