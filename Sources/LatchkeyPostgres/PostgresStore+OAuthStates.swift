import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createOAuthState(_ state: OAuthState, verifier: SealedValue?) async throws {
        try await transaction("oauth state") { tx in
            try await tx.rows("""
                DELETE FROM sealed_values WHERE record_id IN (SELECT 'oauthstate:' || id FROM oauth_states WHERE expires_at < \(state.createdAt))
                """)
            try await tx.rows("DELETE FROM oauth_states WHERE expires_at < \(state.createdAt)")
            try await tx.rows(try """
                INSERT INTO oauth_states (id, user_id, provider, name, credential_id, scopes, fields, browser_binding, created_at, expires_at)
                VALUES (\(state.id), \(state.userID), \(state.provider), \(state.name), \(state.credentialID), \(StoredJSON.encode(state.scopes)),
                        \(StoredJSON.encode(state.fields)), \(state.browserBinding), \(state.createdAt), \(state.expiresAt))
                """)
            if let verifier {
                try await Self.upsertSecret(recordID: state.verifierRecordID, field: "code_verifier", verifier, tx)
            }
        }
    }

    public func consumeOAuthState(id: String, now: Date) async throws -> (OAuthState, SealedValue?)? {
        try await transaction("oauth state") { tx in
            // DELETE … RETURNING decides: of two callbacks racing on one state (on one server or two), the second
            // waits for the first's row lock, then finds the row gone. A state works once.
            guard let row = try await tx.rows("DELETE FROM oauth_states WHERE id = \(id) RETURNING *").first else { return nil }
            let state = OAuthState(
                id: try row.get("id"), userID: try row.get("user_id"), provider: try row.get("provider"), name: try row.get("name"),
                credentialID: try row.get("credential_id"), scopes: try StoredJSON.decode(try row.get("scopes", as: String.self)),
                fields: try StoredJSON.decode(try row.get("fields", as: String.self)), browserBinding: try row.get("browser_binding"),
                createdAt: try row.get("created_at"), expiresAt: try row.get("expires_at")
            )
            let verifier = try await tx.rows("""
                DELETE FROM sealed_values WHERE record_id = \(state.verifierRecordID) AND field = 'code_verifier' RETURNING value
                """).first.map { SealedValue(bytes: try $0.get("value")) }
            guard state.expiresAt > now else { return nil }
            return (state, verifier)
        }
    }
}
