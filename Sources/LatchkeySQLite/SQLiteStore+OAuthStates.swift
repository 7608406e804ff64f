import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createOAuthState(_ state: OAuthState, verifier: SealedValue?) async throws {
        try await write("oauth state") { db in
            try db.execute(sql: "DELETE FROM sealed_values WHERE record_id IN (SELECT 'oauthstate:' || id FROM oauth_states WHERE expires_at < ?)", arguments: [state.createdAt.seconds])
            try db.execute(sql: "DELETE FROM oauth_states WHERE expires_at < ?", arguments: [state.createdAt.seconds])
            try db.execute(sql: """
                INSERT INTO oauth_states (id, user_id, provider, name, credential_id, scopes, fields, browser_binding, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [state.id, state.userID, state.provider, state.name, state.credentialID, Self.json(state.scopes), Self.json(state.fields),
                                 state.browserBinding, state.createdAt.seconds, state.expiresAt.seconds])
            if let verifier {
                try db.execute(sql: "INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (?, 'code_verifier', ?, ?)",
                               arguments: [state.verifierRecordID, verifier.keyVersion ?? 0, verifier.bytes])
            }
        }
    }

    public func consumeOAuthState(id: String, now: Date) async throws -> (OAuthState, SealedValue?)? {
        try await write("oauth state") { db in
            // Deleting before anything else makes the state single-use even when two callbacks race.
            guard let row = try Row.fetchOne(db, sql: "DELETE FROM oauth_states WHERE id = ? RETURNING *", arguments: [id]) else { return nil }
            let state = OAuthState(
                id: row["id"], userID: row["user_id"], provider: row["provider"], name: row["name"], credentialID: row["credential_id"],
                scopes: try Self.decode(row["scopes"]), fields: try Self.decode(row["fields"]), browserBinding: row["browser_binding"],
                createdAt: Date(seconds: row["created_at"]), expiresAt: Date(seconds: row["expires_at"])
            )
            let verifier = try Self.secrets(db, recordID: state.verifierRecordID)["code_verifier"]
            try db.execute(sql: "DELETE FROM sealed_values WHERE record_id = ?", arguments: [state.verifierRecordID])
            guard state.expiresAt > now else { return nil }
            return (state, verifier)
        }
    }
}
