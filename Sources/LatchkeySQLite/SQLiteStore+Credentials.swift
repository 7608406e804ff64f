import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createCredential(_ credential: Credential) async throws {
        try await write("credential") { db in
            try db.execute(sql: """
                INSERT INTO credentials (id, owner_id, provider, name, auth_mode, status, status_reason, public_fields,
                    expires_at, scopes, version, created_at, updated_at, token_issued_at, refresh_failures, next_refresh_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: Self.arguments(credential))
            try Self.writeSecrets(of: credential, db)
        }
    }

    public func credential(id: String) async throws -> Credential? {
        try await read { db in try Self.fetchCredential(db, id: id) }
    }

    /// A user's first page of credentials: newest first, ties by id, the order of `credentials_owner_created`.
    static let credentialsFirstPageSQL = "SELECT \(credentialColumns()) FROM credentials WHERE owner_id = ? ORDER BY created_at DESC, id LIMIT ?"
    /// A later page: it starts right after the cursor's credential in that order. `created_at <= k` lets the index
    /// seek to the cursor instead of walking every newer credential.
    static let credentialsPageAfterSQL = """
        SELECT \(credentialColumns("c")) FROM credentials c, (SELECT created_at, id FROM credentials WHERE id = ?) k
        WHERE c.owner_id = ? AND c.created_at <= k.created_at AND (c.created_at < k.created_at OR c.id > k.id)
        ORDER BY c.created_at DESC, c.id LIMIT ?
        """

    public func credentials(ownerID: String, after: String?, limit: Int) async throws -> [Credential] {
        try await read { db in
            let (sql, arguments): (String, StatementArguments) = if let after {
                (Self.credentialsPageAfterSQL, [after, ownerID, limit])
            } else {
                (Self.credentialsFirstPageSQL, [ownerID, limit])
            }
            return try Self.readAll(db.cachedStatement(sql: sql), arguments: arguments) { try Self.credential($0, db) }
        }
    }

    /// A user's credentials in any of `count` statuses, newest first: `credentials_owner_status` finds the few that
    /// need attention among many active ones. Named, because without statistics SQLite prefers the index that
    /// gives the order (`credentials_owner_created`), which reads every credential of the user.
    static func credentialsInStatusesSQL(count: Int) -> String {
        let marks = Array(repeating: "?", count: count).joined(separator: ", ")
        return """
            SELECT \(credentialColumns()) FROM credentials INDEXED BY credentials_owner_status WHERE owner_id = ? AND status IN (\(marks))
            ORDER BY created_at DESC, id
            """
    }

    public func credentials(ownerID: String, statuses: Set<CredentialStatus>) async throws -> [Credential] {
        guard !statuses.isEmpty else { return [] }
        return try await read { db in
            var arguments: StatementArguments = [ownerID]
            arguments += StatementArguments(statuses.map(\.rawValue).sorted())
            return try Self.readAll(db.makeStatement(sql: Self.credentialsInStatusesSQL(count: statuses.count)), arguments: arguments) { try Self.credential($0, db) }
        }
    }

    public func credentialCount(ownerID: String) async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM credentials WHERE owner_id = ?", arguments: [ownerID]) ?? 0 }
    }

    public func updateCredential(_ credential: Credential) async throws -> Bool {
        try await write("credential") { db in
            try db.execute(sql: """
                UPDATE credentials SET name = ?, status = ?, status_reason = ?, public_fields = ?, expires_at = ?, scopes = ?,
                    version = ?, updated_at = ?, token_issued_at = ?, refresh_failures = ?, next_refresh_at = ?
                WHERE id = ? AND version = ?
                """, arguments: [credential.name, credential.status.rawValue, credential.statusReason, Self.json(credential.publicFields),
                                 credential.expiresAt?.seconds, Self.json(credential.scopes), credential.version, credential.updatedAt.seconds,
                                 credential.tokenIssuedAt?.seconds, credential.refreshFailures, credential.nextRefreshAt?.seconds,
                                 credential.id, credential.version - 1])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM sealed_values WHERE record_id = ?", arguments: [credential.id])
            try Self.writeSecrets(of: credential, db)
            return true
        }
    }

    public func deleteCredential(id: String) async throws -> Bool {
        try await write("credential") { db in
            try db.execute(sql: "DELETE FROM credentials WHERE id = ?", arguments: [id])
            let deleted = db.changesCount == 1
            try db.execute(sql: "DELETE FROM sealed_values WHERE record_id = ?", arguments: [id])
            return deleted
        }
    }

    static func fetchCredential(_ db: Database, id: String) throws -> Credential? {
        try readFirst(db.cachedStatement(sql: credentialByIDSQL), arguments: [id]) { try credential($0, db) }
    }

    static func secrets(_ db: Database, recordID: String) throws -> [String: SealedValue] {
        var secrets: [String: SealedValue] = [:]
        let rows = try ColumnsCursor(db.cachedStatement(sql: "SELECT field, value FROM sealed_values WHERE record_id = ?"), arguments: [recordID])
        while let row = try rows.next() { secrets[row.text(0)] = SealedValue(bytes: row.data(1)) }
        return secrets
    }

    static func writeSecrets(of credential: Credential, _ db: Database) throws {
        for (field, value) in credential.secrets {
            try db.execute(sql: "INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (?, ?, ?, ?)",
                           arguments: [credential.id, field, value.keyVersion ?? 0, value.bytes])
        }
    }

    static func arguments(_ c: Credential) -> StatementArguments {
        [c.id, c.ownerID, c.provider, c.name, c.authMode.rawValue, c.status.rawValue, c.statusReason, json(c.publicFields),
         c.expiresAt?.seconds, json(c.scopes), c.version, c.createdAt.seconds, c.updatedAt.seconds, c.tokenIssuedAt?.seconds,
         c.refreshFailures, c.nextRefreshAt?.seconds]
    }

    /// The columns of a credential in the order `credential(_:from:secrets:)` reads them, each prefixed by `alias`.
    static func credentialColumns(_ alias: String? = nil) -> String {
        let names = ["id", "owner_id", "provider", "name", "auth_mode", "status", "status_reason", "public_fields", "expires_at", "scopes",
                     "version", "created_at", "updated_at", "token_issued_at", "refresh_failures", "next_refresh_at"]
        return names.map { name in alias.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    static let credentialByIDSQL = "SELECT \(credentialColumns()) FROM credentials WHERE id = ?"

    /// The credential in `row` (`credentialColumns`, from column `first` on), with `secrets`.
    static func credential(_ row: Columns, from first: Int32 = 0, secrets: [String: SealedValue]) throws -> Credential {
        Credential(
            id: row.text(first), ownerID: row.text(first + 1), provider: row.text(first + 2), name: row.text(first + 3),
            authMode: AuthMode(rawValue: row.text(first + 4)) ?? .custom, status: CredentialStatus(rawValue: row.text(first + 5)) ?? .needsReauth,
            statusReason: row.optionalText(first + 6), publicFields: try decode(row.text(first + 7)), secrets: secrets,
            expiresAt: row.optionalDouble(first + 8).map(Date.init(seconds:)), scopes: try decode(row.text(first + 9)),
            tokenIssuedAt: row.optionalDouble(first + 13).map(Date.init(seconds:)), refreshFailures: row.int(first + 14),
            nextRefreshAt: row.optionalDouble(first + 15).map(Date.init(seconds:)), version: row.int(first + 10),
            createdAt: Date(seconds: row.double(first + 11)), updatedAt: Date(seconds: row.double(first + 12))
        )
    }

    /// The credential in `row` (`credentialColumns` from its first column) with its sealed values read from `db`.
    static func credential(_ row: Columns, _ db: Database) throws -> Credential {
        try credential(row, secrets: secrets(db, recordID: row.text(0)))
    }

    static func json<T: Encodable>(_ value: T) -> String { StoredJSON.encode(value) }
    static func decode<T: Decodable>(_ text: String) throws -> T { try StoredJSON.decode(text) }
    static func decode(_ text: String) throws -> [String: String] { try StoredJSON.decode(text) }
    static func decode(_ text: String) throws -> [String] { try StoredJSON.decode(text) }
}
