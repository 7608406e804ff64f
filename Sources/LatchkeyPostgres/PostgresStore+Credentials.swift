import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createCredential(_ credential: Credential) async throws {
        let c = credential
        try await transaction("credential") { tx in
            try await tx.rows("""
                INSERT INTO credentials (id, owner_id, provider, name, auth_mode, status, status_reason, public_fields,
                    expires_at, scopes, version, created_at, updated_at, token_issued_at, refresh_failures, next_refresh_at)
                VALUES (\(c.id), \(c.ownerID), \(c.provider), \(c.name), \(c.authMode.rawValue), \(c.status.rawValue), \(c.statusReason),
                    \(StoredJSON.encode(c.publicFields)), \(c.expiresAt), \(StoredJSON.encode(c.scopes)), \(c.version), \(c.createdAt),
                    \(c.updatedAt), \(c.tokenIssuedAt), \(c.refreshFailures), \(c.nextRefreshAt))
                """)
            try await Self.insertSecrets(of: c, tx)
        }
    }

    public func credential(id: String) async throws -> Credential? {
        try await Self.credentials(rows("credential", "\(unescaped: Self.credentialSelect) WHERE c.id = \(id)")).first
    }

    public func credentials(ownerID: String, after: String?, limit: Int) async throws -> [Credential] {
        // Newest first, ties by id; a page starts right after the cursor's credential in that order. The page is
        // chosen among credentials first, then joined with their sealed values (one row per value). The cursor's time
        // is a scalar subquery, computed once before the scan, so the index seeks to it; as a joined row it was only a
        // filter, and a page 50,000 deep read 50,000 rows.
        let page: PostgresQuery = if let after {
            """
            SELECT x.* FROM credentials x
            WHERE x.owner_id = \(ownerID) AND x.created_at <= (SELECT created_at FROM credentials WHERE id = \(after))
              AND (x.created_at < (SELECT created_at FROM credentials WHERE id = \(after)) OR x.id > \(after))
            ORDER BY x.created_at DESC, x.id LIMIT \(limit)
            """
        } else {
            "SELECT * FROM credentials WHERE owner_id = \(ownerID) ORDER BY created_at DESC, id LIMIT \(limit)"
        }
        var query: PostgresQuery = "SELECT c.*, s.field AS s_field, s.value AS s_value FROM ("
        query.sql += page.sql
        query.binds = page.binds
        query.sql += ") c LEFT JOIN sealed_values s ON s.record_id = c.id ORDER BY c.created_at DESC, c.id"
        return try await Self.credentials(rows("credential", query))
    }

    public func credentials(ownerID: String, statuses: Set<CredentialStatus>) async throws -> [Credential] {
        guard !statuses.isEmpty else { return [] }
        return try await Self.credentials(rows("credential", """
            \(unescaped: Self.credentialSelect) WHERE c.owner_id = \(ownerID) AND c.status = ANY(\(statuses.map(\.rawValue).sorted()))
            ORDER BY c.created_at DESC, c.id
            """))
    }

    public func credentialCount(ownerID: String) async throws -> Int {
        try await rows("credential", "SELECT count(*)::int AS n FROM credentials WHERE owner_id = \(ownerID)").first?.get("n") ?? 0
    }

    public func updateCredential(_ credential: Credential) async throws -> Bool {
        let c = credential
        return try await transaction("credential") { tx in
            // The version check is in the UPDATE's WHERE: a concurrent writer holds the row lock until it commits, and
            // PostgreSQL re-evaluates the condition on the row it committed, so exactly one of two writers wins.
            let updated = try await tx.rows("""
                UPDATE credentials SET name = \(c.name), status = \(c.status.rawValue), status_reason = \(c.statusReason),
                    public_fields = \(StoredJSON.encode(c.publicFields)), expires_at = \(c.expiresAt), scopes = \(StoredJSON.encode(c.scopes)),
                    version = \(c.version), updated_at = \(c.updatedAt), token_issued_at = \(c.tokenIssuedAt),
                    refresh_failures = \(c.refreshFailures), next_refresh_at = \(c.nextRefreshAt)
                WHERE id = \(c.id) AND version = \(c.version - 1)
                RETURNING id
                """)
            guard updated.count == 1 else { return false }
            try await tx.rows("DELETE FROM sealed_values WHERE record_id = \(c.id)")
            try await Self.insertSecrets(of: c, tx)
            return true
        }
    }

    public func deleteCredential(id: String) async throws -> Bool {
        try await transaction("credential") { tx in
            let deleted = try await tx.rows("DELETE FROM credentials WHERE id = \(id) RETURNING id")
            try await tx.rows("DELETE FROM sealed_values WHERE record_id = \(id)")
            return deleted.count == 1
        }
    }

    /// Credentials with their sealed values in one statement (one row per sealed value), so a row and its secrets
    /// come from one snapshot. Callers add the WHERE clause.
    static let credentialSelect = "SELECT c.*, s.field AS s_field, s.value AS s_value FROM credentials c LEFT JOIN sealed_values s ON s.record_id = c.id"

    /// Folds rows of `credentialSelect` into credentials, keeping their order.
    static func credentials(_ rows: [PostgresRandomAccessRow]) throws -> [Credential] {
        var order: [String] = []
        var rowsByID: [String: (PostgresRandomAccessRow, [String: SealedValue])] = [:]
        for row in rows {
            let id: String = try row.get("id")
            if rowsByID[id] == nil { order.append(id); rowsByID[id] = (row, [:]) }
            if let field: String = try row.get("s_field"), let value: Data = try row.get("s_value") {
                rowsByID[id]?.1[field] = SealedValue(bytes: value)
            }
        }
        return try order.compactMap { id in try rowsByID[id].map { try credential($0.0, secrets: $0.1) } }
    }

    static func credential(_ row: PostgresRandomAccessRow, secrets: [String: SealedValue]) throws -> Credential {
        Credential(
            id: try row.get("id"), ownerID: try row.get("owner_id"), provider: try row.get("provider"), name: try row.get("name"),
            authMode: AuthMode(rawValue: try row.get("auth_mode")) ?? .custom,
            status: CredentialStatus(rawValue: try row.get("status")) ?? .needsReauth, statusReason: try row.get("status_reason"),
            publicFields: try StoredJSON.decode(try row.get("public_fields", as: String.self)), secrets: secrets,
            expiresAt: try row.get("expires_at"), scopes: try StoredJSON.decode(try row.get("scopes", as: String.self)),
            tokenIssuedAt: try row.get("token_issued_at"), refreshFailures: try row.get("refresh_failures"),
            nextRefreshAt: try row.get("next_refresh_at"), version: try row.get("version"),
            createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at")
        )
    }

    static func insertSecrets(of credential: Credential, _ tx: Transaction) async throws {
        for (field, value) in credential.secrets {
            try await tx.rows(try """
                INSERT INTO sealed_values (record_id, field, key_version, value)
                VALUES (\(credential.id), \(field), \(value.keyVersion ?? 0), \(value.bytes))
                """)
        }
    }

    static func upsertSecret(recordID: String, field: String, _ value: SealedValue, _ tx: Transaction) async throws {
        try await tx.rows(try """
            INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (\(recordID), \(field), \(value.keyVersion ?? 0), \(value.bytes))
            ON CONFLICT (record_id, field) DO UPDATE SET key_version = excluded.key_version, value = excluded.value
            """)
    }
}
