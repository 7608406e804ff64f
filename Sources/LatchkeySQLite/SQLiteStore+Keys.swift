import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func dataKeys() async throws -> [WrappedDataKey] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM data_keys ORDER BY version").map(Self.dataKey)
        }
    }

    private static func dataKey(_ row: Row) -> WrappedDataKey {
        WrappedDataKey(version: row["version"], wrapped: row["wrapped"], active: row["active"], createdAt: Date(seconds: row["created_at"]))
    }

    public func rewrapDataKeys(_ rewrap: @Sendable (WrappedDataKey) throws -> Data) async throws -> Int {
        try await withoutActuallyEscaping(rewrap) { rewrap in
            let box = UncheckedBox(rewrap)
            // One write transaction: SQLite commits all the new wrappings or none, whatever happens to the process.
            return try await write("data key") { db in
                let keys = try Row.fetchAll(db, sql: "SELECT * FROM data_keys ORDER BY version").map(Self.dataKey)
                for key in keys {
                    try db.execute(sql: "UPDATE data_keys SET wrapped = ? WHERE version = ?", arguments: [try box.value(key), key.version])
                }
                return keys.count
            }
        }
    }

    public func retireUnusedDataKeys() async throws -> [Int] {
        try await write("data key") { db in
            // Counted and deleted in one write transaction, so no value can be written under a version between the two.
            let unused = try Int.fetchAll(db, sql: """
                SELECT version FROM data_keys
                WHERE active = 0 AND NOT EXISTS (SELECT 1 FROM sealed_values WHERE key_version = data_keys.version)
                ORDER BY version
                """)
            for version in unused { try db.execute(sql: "DELETE FROM data_keys WHERE version = ?", arguments: [version]) }
            return unused
        }
    }

    public func insertDataKey(wrapped: @Sendable (Int, WrappedDataKey?) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int {
        try await withoutActuallyEscaping(wrapped) { wrap in
            let box = UncheckedBox(wrap)
            return try await write("data key") { [clock] db in
                let current = try Int.fetchOne(db, sql: "SELECT max(version) FROM data_keys")
                if onlyIfEmpty, current != nil {
                    return try Int.fetchOne(db, sql: "SELECT max(version) FROM data_keys WHERE active = 1") ?? current ?? 0
                }
                let version = (current ?? 0) + 1
                // Inside the write transaction, so a concurrent `rewrapDataKeys` is either fully before or after this.
                let latest = try Row.fetchOne(db, sql: "SELECT * FROM data_keys ORDER BY version DESC LIMIT 1").map(Self.dataKey)
                let bytes = try box.value(version, latest)
                if activate { try db.execute(sql: "UPDATE data_keys SET active = 0") }
                try db.execute(sql: "INSERT INTO data_keys (version, wrapped, active, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [version, bytes, activate, clock.now.seconds])
                return version
            }
        }
    }

    public func sealedValues(notUnder version: Int, limit: Int) async throws -> [StoredSecret] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT record_id, field, value FROM sealed_values WHERE key_version <> ? LIMIT ?", arguments: [version, limit]).map { row in
                StoredSecret(recordID: row["record_id"], field: row["field"], value: SealedValue(bytes: row["value"]))
            }
        }
    }

    public func replaceSealedValue(_ secret: StoredSecret, with value: SealedValue) async throws -> Bool {
        try await write("sealed value") { db in
            try db.execute(sql: "UPDATE sealed_values SET value = ?, key_version = ? WHERE record_id = ? AND field = ? AND value = ?",
                           arguments: [value.bytes, value.keyVersion ?? 0, secret.recordID, secret.field, secret.value.bytes])
            return db.changesCount == 1
        }
    }

    public func sealedValueCounts() async throws -> [Int: Int] {
        try await read { db in
            var counts: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key_version, count(*) AS n FROM sealed_values GROUP BY key_version") {
                counts[row["key_version"]] = row["n"]
            }
            return counts
        }
    }
}

/// Carries a non-escaping closure into GRDB's `@Sendable` write block, which runs it before returning.
struct UncheckedBox<T>: @unchecked Sendable {
    // Safe: the write completes (and the closure is dropped) before `withoutActuallyEscaping` returns.
    let value: T
    init(_ value: T) { self.value = value }
}
