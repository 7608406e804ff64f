import Foundation
import LatchkeyCore
import PostgresNIO

/// The refresh lease on PostgreSQL: row-level, with the same guarantee as on SQLite.
///
/// Why row locks and a lease column rather than advisory locks: a refresh holds its claim across an HTTP request to
/// the provider (up to the token timeout). An advisory lock lives in a session, so it would pin a pooled connection
/// for that long, and a server that hangs without dying would keep it forever. The lease is a row value with an
/// expiry: it needs no connection while held, survives nothing but its expiry, and is visible to operators.
///
/// Every decision is made by the statement that writes, or under `SELECT … FOR UPDATE`:
/// - acquiring (and taking over from a holder found gone) is one conditional `UPDATE`. Two servers racing: the second blocks on the first's row lock; under READ
///   COMMITTED PostgreSQL then re-evaluates the `WHERE` against the committed row, sees the lease held and updates
///   nothing. So exactly one acquires.
/// - token and failure writes run under the row lock and check `lease_owner`, so a holder whose lease expired and was
///   taken over writes nothing (fencing), and nobody can take the lease between the check and the write.
/// - the lease expiry is compared with the caller's clock: servers must keep their clocks in step (NTP). The lease
///   (60 s) is three times the token request timeout (20 s), which leaves that much room for skew.
extension PostgresStore {
    public func refreshCandidates(after: String?, limit: Int) async throws -> [RefreshCandidate] {
        // Keyset pages: the order and the comparison use one collation, so pages neither overlap nor skip; every id
        // sorts after the empty string.
        try await rows("refresh", """
            SELECT c.id, c.provider, c.status, c.expires_at, c.token_issued_at, c.next_refresh_at, c.created_at,
                   EXISTS (SELECT 1 FROM sealed_values s WHERE s.record_id = c.id AND s.field = 'access_token') AS has_access,
                   EXISTS (SELECT 1 FROM sealed_values s WHERE s.record_id = c.id AND s.field = 'refresh_token') AS has_refresh
            FROM credentials c
            WHERE c.id > \(after ?? "") AND c.auth_mode IN ('oauth2', 'oauth2_client_credentials') AND c.status IN ('active', 'refresh_failing')
            ORDER BY c.id LIMIT \(limit)
            """).map { row in
            RefreshCandidate(
                id: try row.get("id"), provider: try row.get("provider"), status: CredentialStatus(rawValue: try row.get("status")) ?? .active,
                expiresAt: try row.get("expires_at"), tokenIssuedAt: try row.get("token_issued_at"), nextRefreshAt: try row.get("next_refresh_at"),
                hasAccessToken: try row.get("has_access"), hasRefreshToken: try row.get("has_refresh"), createdAt: try row.get("created_at")
            )
        }
    }

    public func acquireRefreshLease(credentialID: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        try Self.credentials(await rows("lease", """
            WITH c AS (
                UPDATE credentials SET lease_owner = \(owner), lease_expires_at = \(until)
                WHERE id = \(credentialID) AND (lease_owner IS NULL OR lease_expires_at < \(now))
                RETURNING *)
            \(unescaped: Self.writtenCredentialSelect)
            """)).first
    }

    /// The credential a data-modifying `WITH c AS (… RETURNING *)` wrote, joined with its sealed values as they were
    /// before the statement: one round trip takes the lease (or writes the tokens) and reads the row as written.
    static let writtenCredentialSelect = "SELECT c.*, s.field AS s_field, s.value AS s_value FROM c LEFT JOIN sealed_values s ON s.record_id = c.id"

    public func refreshLeaseOwner(credentialID: String) async throws -> String? {
        guard let row = try await rows("lease", "SELECT lease_owner FROM credentials WHERE id = \(credentialID)").first else { return nil }
        return try row.get("lease_owner", as: String?.self)
    }

    public func takeOverRefreshLease(credentialID: String, deadOwner: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        // Like acquiring, one conditional UPDATE: a second taker blocks on the first's row lock, then re-reads the row,
        // finds the lease held by the first, and updates nothing.
        try Self.credentials(await rows("lease", """
            WITH c AS (
                UPDATE credentials SET lease_owner = \(owner), lease_expires_at = \(until)
                WHERE id = \(credentialID) AND (lease_owner IS NULL OR lease_expires_at < \(now) OR lease_owner = \(deadOwner))
                RETURNING *)
            \(unescaped: Self.writtenCredentialSelect)
            """)).first
    }

    public func releaseRefreshLease(credentialID: String, owner: String) async throws {
        try await rows("lease", """
            UPDATE credentials SET lease_owner = NULL, lease_expires_at = NULL WHERE id = \(credentialID) AND lease_owner = \(owner)
            """)
    }

    public func finishRefresh(_ update: TokenUpdate, owner: String) async throws -> Credential? {
        let now = clock.now
        guard update.tokenFields.isEmpty else { return try await finishRefreshMerging(update, owner: owner, now: now) }
        // The usual refresh learns no fields: one statement writes the row (only while `owner` holds the lease: the
        // fence) and both tokens (PostgreSQL runs a data-modifying WITH to completion whether or not it is read), and
        // returns the row as written. Its sealed values are read as they were before the statement, so the tokens
        // just written are put over them here.
        let refresh = update.refreshToken
        let written = try await rows("refresh", """
            WITH c AS (
                UPDATE credentials SET status = 'active', status_reason = NULL, expires_at = \(update.expiresAt),
                    scopes = COALESCE(\(update.scopes.map { StoredJSON.encode($0) }), scopes), token_issued_at = \(update.issuedAt),
                    refresh_failures = 0, next_refresh_at = NULL, version = version + 1, updated_at = \(now),
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(update.credentialID) AND lease_owner = \(owner)
                RETURNING *),
            tokens AS (
                INSERT INTO sealed_values (record_id, field, key_version, value)
                SELECT c.id, v.field, v.key_version, v.value FROM c,
                    (VALUES ('access_token', \(update.accessToken.keyVersion ?? 0), \(update.accessToken.bytes)),
                            ('refresh_token', \(refresh?.keyVersion ?? 0), \(refresh?.bytes ?? Data()))) AS v(field, key_version, value)
                WHERE v.field = 'access_token' OR \(refresh != nil)
                ON CONFLICT (record_id, field) DO UPDATE SET key_version = excluded.key_version, value = excluded.value)
            \(unescaped: Self.writtenCredentialSelect)
            """)
        guard var credential = try Self.credentials(written).first else { return nil }
        credential.secrets["access_token"] = update.accessToken
        if let refresh { credential.secrets["refresh_token"] = refresh }
        return credential
    }

    /// A refresh that learnt fields from the token response: they are merged into the stored ones under the row lock.
    private func finishRefreshMerging(_ update: TokenUpdate, owner: String, now: Date) async throws -> Credential? {
        try await transaction("refresh") { tx in
            guard let row = try await tx.rows("""
                SELECT lease_owner, public_fields, scopes FROM credentials WHERE id = \(update.credentialID) FOR UPDATE
                """).first, try row.get("lease_owner", as: String?.self) == owner
            else { return nil }
            let publicFields: [String: String] = try StoredJSON.decode(try row.get("public_fields", as: String.self))
            let scopes: [String] = try StoredJSON.decode(try row.get("scopes", as: String.self))
            try await Self.applyTokens(update, publicFields: publicFields.merging(update.tokenFields) { $1 }, scopes: update.scopes ?? scopes, at: now, tx)
            return try Self.credentials(await tx.rows("\(unescaped: Self.credentialSelect) WHERE c.id = \(update.credentialID)")).first
        }
    }

    public func failRefresh(credentialID: String, owner: String, status: CredentialStatus, reason: String, failures: Int, nextAttempt: Date?) async throws -> Bool {
        let now = clock.now
        return try await rows("refresh", """
            UPDATE credentials SET status = \(status.rawValue), status_reason = \(reason), refresh_failures = \(failures),
                next_refresh_at = \(nextAttempt), version = version + 1, updated_at = \(now), lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(credentialID) AND lease_owner = \(owner)
            RETURNING id
            """).count == 1
    }

    public func replaceTokens(_ update: TokenUpdate, publicFields: [String: String]) async throws -> Bool {
        let now = clock.now
        return try await transaction("tokens") { tx in
            guard let row = try await tx.rows("SELECT scopes FROM credentials WHERE id = \(update.credentialID) FOR UPDATE").first else { return false }
            let scopes: [String] = try StoredJSON.decode(try row.get("scopes", as: String.self))
            try await Self.applyTokens(update, publicFields: publicFields.merging(update.tokenFields) { $1 }, scopes: update.scopes ?? scopes, at: now, tx)
            return true
        }
    }

    /// One transaction: the access token, the refresh token (when rotated) and the expiry change together. The
    /// credentials row is written first, so concurrent writers of the same credential queue on its row lock. `now` is
    /// the update time.
    static func applyTokens(_ update: TokenUpdate, publicFields: [String: String], scopes: [String], at now: Date, _ tx: Transaction) async throws {
        try await tx.rows("""
            UPDATE credentials SET status = 'active', status_reason = NULL, public_fields = \(StoredJSON.encode(publicFields)),
                expires_at = \(update.expiresAt), scopes = \(StoredJSON.encode(scopes)), token_issued_at = \(update.issuedAt),
                refresh_failures = 0, next_refresh_at = NULL, version = version + 1, updated_at = \(now),
                lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(update.credentialID)
            """)
        try await upsertSecret(recordID: update.credentialID, field: "access_token", update.accessToken, tx)
        if let refresh = update.refreshToken {
            try await upsertSecret(recordID: update.credentialID, field: "refresh_token", refresh, tx)
        }
    }
}
