import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    /// A page of candidates in id order. The unary `+` keeps SQLite from choosing `credentials_refresh` (auth mode,
    /// status) and sorting every remaining candidate for each page: the primary key's order is walked from the cursor
    /// instead, so a whole pass reads each row once.
    static let refreshCandidatesSQL = """
        SELECT c.id, c.provider, c.status, c.expires_at, c.token_issued_at, c.next_refresh_at, c.created_at,
               EXISTS (SELECT 1 FROM sealed_values s WHERE s.record_id = c.id AND s.field = 'access_token') AS has_access,
               EXISTS (SELECT 1 FROM sealed_values s WHERE s.record_id = c.id AND s.field = 'refresh_token') AS has_refresh
        FROM credentials c
        WHERE c.id > ? AND +c.auth_mode IN ('oauth2', 'oauth2_client_credentials') AND +c.status IN ('active', 'refresh_failing')
        ORDER BY c.id LIMIT ?
        """

    public func refreshCandidates(after: String?, limit: Int) async throws -> [RefreshCandidate] {
        try await read { db in
            // Every id sorts after the empty string.
            try Self.readAll(db.cachedStatement(sql: Self.refreshCandidatesSQL), arguments: [after ?? "", limit]) { row in
                RefreshCandidate(
                    id: row.text(0), provider: row.text(1), status: CredentialStatus(rawValue: row.text(2)) ?? .active,
                    expiresAt: row.optionalDouble(3).map(Date.init(seconds:)), tokenIssuedAt: row.optionalDouble(4).map(Date.init(seconds:)),
                    nextRefreshAt: row.optionalDouble(5).map(Date.init(seconds:)), hasAccessToken: row.int(7) != 0, hasRefreshToken: row.int(8) != 0,
                    createdAt: Date(seconds: row.double(6))
                )
            }
        }
    }

    public func acquireRefreshLease(credentialID: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        try await combinedWrite("lease") { db in
            try db.cachedStatement(sql: """
                UPDATE credentials SET lease_owner = ?, lease_expires_at = ?
                WHERE id = ? AND (lease_owner IS NULL OR lease_expires_at < ?)
                """).execute(arguments: [owner, until.seconds, credentialID, now.seconds])
            guard db.changesCount == 1 else { return nil }
            return try Self.fetchCredential(db, id: credentialID)
        }
    }

    public func refreshLeaseOwner(credentialID: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT lease_owner FROM credentials WHERE id = ?"), arguments: [credentialID])
        }
    }

    public func takeOverRefreshLease(credentialID: String, deadOwner: String, owner: String, until: Date, now: Date) async throws -> Credential? {
        try await combinedWrite("lease") { db in
            try db.cachedStatement(sql: """
                UPDATE credentials SET lease_owner = ?, lease_expires_at = ?
                WHERE id = ? AND (lease_owner IS NULL OR lease_expires_at < ? OR lease_owner = ?)
                """).execute(arguments: [owner, until.seconds, credentialID, now.seconds, deadOwner])
            guard db.changesCount == 1 else { return nil }
            return try Self.fetchCredential(db, id: credentialID)
        }
    }

    public func releaseRefreshLease(credentialID: String, owner: String) async throws {
        try await combinedWrite("lease") { db in
            try db.cachedStatement(sql: "UPDATE credentials SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?")
                .execute(arguments: [credentialID, owner])
        }
    }

    public func finishRefresh(_ update: TokenUpdate, owner: String) async throws -> Credential? {
        let now = clock.now
        return try await combinedWrite("refresh") { db in
            guard try Self.applyTokens(update, replacingFields: nil, leaseOwner: owner, at: now, db) else { return nil }
            return try Self.fetchCredential(db, id: update.credentialID)
        }
    }

    public func failRefresh(credentialID: String, owner: String, status: CredentialStatus, reason: String, failures: Int, nextAttempt: Date?) async throws -> Bool {
        let now = clock.now
        return try await combinedWrite("refresh") { db in
            try db.cachedStatement(sql: """
                UPDATE credentials SET status = ?, status_reason = ?, refresh_failures = ?, next_refresh_at = ?,
                    version = version + 1, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ?
                """).execute(arguments: [status.rawValue, reason, failures, nextAttempt?.seconds, now.seconds, credentialID, owner])
            return db.changesCount == 1
        }
    }

    public func replaceTokens(_ update: TokenUpdate, publicFields: [String: String]) async throws -> Bool {
        let now = clock.now
        return try await write("tokens") { db in
            try Self.applyTokens(update, replacingFields: publicFields, leaseOwner: nil, at: now, db)
        }
    }

    /// One statement for the credential's row, in the caller's transaction: the access token, the refresh token (when
    /// rotated) and the expiry change together, the lease is let go, and the row is written only while `leaseOwner`
    /// (when given) still holds the lease. The public fields become `replacingFields` (nil: the stored ones) with the
    /// token response's own fields over them, and the scopes the response's (nil: the stored ones); both are merged in
    /// SQL, so nothing is read and decoded first. `now` is the update time. False when no row was written.
    ///
    /// Pages written are what a refresh pass costs on SQLite, and SQLite rewrites the entry of every index holding a
    /// column named in an UPDATE's SET list, changed or not. So the usual case, an active credential whose sealed
    /// values keep their key version, names neither `status` (in two indexes) nor `key_version` (in one): about 12 KiB
    /// of WAL per refresh instead of 21. The other cases fall back to the statements that name them.
    static func applyTokens(_ update: TokenUpdate, replacingFields: [String: String]?, leaseOwner: String?, at now: Date, _ db: Database) throws -> Bool {
        let arguments: StatementArguments = [
            replacingFields.map(json), update.tokenFields.isEmpty ? "{}" : json(update.tokenFields), update.expiresAt?.seconds,
            update.scopes.map(json), update.issuedAt.seconds, now.seconds, update.credentialID, leaseOwner, leaseOwner,
        ]
        try db.cachedStatement(sql: tokenWriteKeepingStatusSQL).execute(arguments: arguments)
        if db.changesCount == 0 {
            try db.cachedStatement(sql: tokenWriteSettingStatusSQL).execute(arguments: arguments)
            guard db.changesCount == 1 else { return false }
        }
        var secrets = [("access_token", update.accessToken)]
        if let refresh = update.refreshToken { secrets.append(("refresh_token", refresh)) }
        for (field, value) in secrets {
            let version = value.keyVersion ?? 0
            try db.cachedStatement(sql: "UPDATE sealed_values SET value = ? WHERE record_id = ? AND field = ? AND key_version = ?")
                .execute(arguments: [value.bytes, update.credentialID, field, version])
            guard db.changesCount == 0 else { continue }
            try db.cachedStatement(sql: """
                INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (?, ?, ?, ?)
                ON CONFLICT (record_id, field) DO UPDATE SET key_version = excluded.key_version, value = excluded.value
                """).execute(arguments: [update.credentialID, field, version, value.bytes])
        }
        return true
    }

    /// The token write of `applyTokens` for a row already `active`, leaving `status` out of the SET list.
    static let tokenWriteKeepingStatusSQL = tokenWriteSQL(settingStatus: false)
    /// The token write of `applyTokens` for a row in any status.
    static let tokenWriteSettingStatusSQL = tokenWriteSQL(settingStatus: true)

    private static func tokenWriteSQL(settingStatus: Bool) -> String {
        """
        UPDATE credentials SET \(settingStatus ? "status = 'active', " : "")status_reason = NULL,
            public_fields = json_patch(COALESCE(?, public_fields), ?), expires_at = ?, scopes = COALESCE(?, scopes),
            token_issued_at = ?, refresh_failures = 0, next_refresh_at = NULL, version = version + 1, updated_at = ?,
            lease_owner = NULL, lease_expires_at = NULL
        WHERE id = ? AND (? IS NULL OR lease_owner = ?)\(settingStatus ? "" : " AND status = 'active'")
        """
    }
}
