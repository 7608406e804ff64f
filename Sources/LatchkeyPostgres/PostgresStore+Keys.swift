import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func dataKeys() async throws -> [WrappedDataKey] {
        try await rows("data key", "SELECT * FROM data_keys ORDER BY version").map { row in
            try Self.dataKey(row)
        }
    }

    private static func dataKey(_ row: PostgresRandomAccessRow) throws -> WrappedDataKey {
        WrappedDataKey(version: try row.get("version"), wrapped: try row.get("wrapped"), active: try row.get("active"), createdAt: try row.get("created_at"))
    }

    public func insertDataKey(wrapped: @Sendable (Int, WrappedDataKey?) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int {
        try await withoutActuallyEscaping(wrapped) { wrap in
            try await insertDataKey(wrapped: EscapingWrap(wrap), activate: activate, onlyIfEmpty: onlyIfEmpty)
        }
    }

    private func insertDataKey(wrapped: EscapingWrap, activate: Bool, onlyIfEmpty: Bool) async throws -> Int {
        let now = clock.now
        return try await transaction("data key") { tx in
            // Two processes may create or rotate keys at once (servers starting together, `keys rotate` beside them):
            // the transaction-scoped advisory lock makes reading the last version and inserting the next one atomic.
            try await tx.rows("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey + 1))")
            let current: Int? = try await tx.rows("SELECT max(version) AS v FROM data_keys").first?.get("v")
            if onlyIfEmpty, let current {
                let active: Int? = try await tx.rows("SELECT max(version) AS v FROM data_keys WHERE active").first?.get("v")
                return active ?? current
            }
            let version = (current ?? 0) + 1
            let latest = try await tx.rows("SELECT * FROM data_keys ORDER BY version DESC LIMIT 1").first.map(Self.dataKey)
            let bytes = try wrapped.body(version, latest)
            if activate { try await tx.rows("UPDATE data_keys SET active = false") }
            try await tx.rows(try "INSERT INTO data_keys (version, wrapped, active, created_at) VALUES (\(version), \(bytes), \(activate), \(now))")
            return version
        }
    }

    public func rewrapDataKeys(_ rewrap: @Sendable (WrappedDataKey) throws -> Data) async throws -> Int {
        try await withoutActuallyEscaping(rewrap) { rewrap in
            let box = EscapingRewrap(rewrap)
            // One transaction under the same advisory lock as `insertDataKey`: a key added concurrently is either
            // rewrapped here or added after this commits (and then refused, its wrapper seeing the new master key).
            return try await transaction("data key") { tx in
                try await tx.rows("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey + 1))")
                let keys = try await tx.rows("SELECT * FROM data_keys ORDER BY version FOR UPDATE").map(Self.dataKey)
                for key in keys {
                    let bytes = try box.body(key)
                    try await tx.rows(try "UPDATE data_keys SET wrapped = \(bytes) WHERE version = \(key.version)")
                }
                return keys.count
            }
        }
    }

    public func retireUnusedDataKeys() async throws -> [Int] {
        try await transaction("data key") { tx in
            try await tx.rows("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey + 1))")
            return try await tx.rows("""
                DELETE FROM data_keys
                WHERE NOT active AND NOT EXISTS (SELECT 1 FROM sealed_values WHERE key_version = data_keys.version)
                RETURNING version
                """).map { try $0.get("version") as Int }.sorted()
        }
    }

    public func sealedValues(notUnder version: Int, limit: Int) async throws -> [StoredSecret] {
        try await rows("sealed value", "SELECT record_id, field, value FROM sealed_values WHERE key_version <> \(version) LIMIT \(limit)").map { row in
            StoredSecret(recordID: try row.get("record_id"), field: try row.get("field"), value: SealedValue(bytes: try row.get("value")))
        }
    }

    public func replaceSealedValue(_ secret: StoredSecret, with value: SealedValue) async throws -> Bool {
        // Compare-and-swap in one statement: a refresh that wrote a new token meanwhile makes the WHERE fail.
        try await rows("sealed value", try """
            UPDATE sealed_values SET value = \(value.bytes), key_version = \(value.keyVersion ?? 0)
            WHERE record_id = \(secret.recordID) AND field = \(secret.field) AND value = \(secret.value.bytes)
            RETURNING record_id
            """).count == 1
    }

    public func sealedValueCounts() async throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for row in try await rows("sealed value", "SELECT key_version, count(*) AS n FROM sealed_values GROUP BY key_version") {
            counts[try row.get("key_version")] = try row.get("n")
        }
        return counts
    }
}

/// Carries `insertDataKey`'s non-escaping closure into the transaction, which always finishes (the store awaits every
/// task it starts) before `withoutActuallyEscaping` returns.
private struct EscapingWrap: @unchecked Sendable {
    let body: (Int, WrappedDataKey?) throws -> Data
    init(_ body: @escaping (Int, WrappedDataKey?) throws -> Data) { self.body = body }
}

/// Carries `rewrapDataKeys`'s non-escaping closure into its transaction, for the same reason as `EscapingWrap`.
private struct EscapingRewrap: @unchecked Sendable {
    let body: (WrappedDataKey) throws -> Data
    init(_ body: @escaping (WrappedDataKey) throws -> Data) { self.body = body }
}
