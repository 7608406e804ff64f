import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func oauthRegistration(issuer: String, redirectURI: String) async throws -> OAuthRegistration? {
        try await read { db in try Self.registration(db, id: OAuthRegistration.recordID(issuer: issuer, redirectURI: redirectURI)) }
    }

    public func oauthRegistration(issuer: String, clientID: String) async throws -> OAuthRegistration? {
        try await read { db in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM oauth_registrations WHERE issuer = ? AND client_id = ? ORDER BY created_at LIMIT 1",
                                               arguments: [issuer, clientID]) else { return nil }
            return try Self.registration(db, id: id)
        }
    }

    public func createOAuthRegistration(_ registration: OAuthRegistration) async throws -> OAuthRegistration {
        try await write("oauth registration") { db in
            if let existing = try Self.registration(db, id: registration.recordID) { return existing }
            try db.execute(sql: """
                INSERT INTO oauth_registrations (id, issuer, redirect_uri, client_id, token_endpoint_auth, metadata, kind, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [registration.recordID, registration.issuer, registration.redirectURI, registration.clientID,
                                 registration.tokenEndpointAuth.rawValue, registration.metadataJSON, registration.kind,
                                 registration.createdAt.seconds, registration.updatedAt.seconds])
            if let secret = registration.clientSecret {
                try db.execute(sql: "INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (?, 'client_secret', ?, ?)",
                               arguments: [registration.recordID, secret.keyVersion ?? 0, secret.bytes])
            }
            return registration
        }
    }

    public func updateOAuthRegistrationMetadata(issuer: String, redirectURI: String, metadataJSON: String, at: Date) async throws {
        try await write("oauth registration") { db in
            try db.execute(sql: "UPDATE oauth_registrations SET metadata = ?, updated_at = ? WHERE id = ?",
                           arguments: [metadataJSON, at.seconds, OAuthRegistration.recordID(issuer: issuer, redirectURI: redirectURI)])
        }
    }

    static func registration(_ db: Database, id: String) throws -> OAuthRegistration? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM oauth_registrations WHERE id = ?", arguments: [id]) else { return nil }
        return OAuthRegistration(
            issuer: row["issuer"], redirectURI: row["redirect_uri"], clientID: row["client_id"], clientSecret: try secrets(db, recordID: id)["client_secret"],
            tokenEndpointAuth: OAuthSettings.TokenEndpointAuth(rawValue: row["token_endpoint_auth"]) ?? .clientSecretPost,
            metadataJSON: row["metadata"], kind: row["kind"], createdAt: Date(seconds: row["created_at"]), updatedAt: Date(seconds: row["updated_at"]))
    }
}
