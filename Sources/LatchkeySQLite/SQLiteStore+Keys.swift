import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func dataKeys() async throws -> [WrappedDataKey] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM data_keys ORDER BY version").map { row in
                WrappedDataKey(version: row["version"], wrapped: row["wrapped"], active: row["active"], createdAt: Date(seconds: row["created_at"]))
            }
        }
    }

    public func insertDataKey(wrapped: @Sendable (Int) throws -> Data, activate: Bool, onlyIfEmpty: Bool) async throws -> Int {
        try await withoutActuallyEscaping(wrapped) { wrap in
            let box = UncheckedBox(wrap)
            return try await write("data key") { db in
                let current = try Int.fetchOne(db, sql: "SELECT max(version) FROM data_keys")
                if onlyIfEmpty, current != nil {
                    return try Int.fetchOne(db, sql: "SELECT max(version) FROM data_keys WHERE active = 1") ?? current ?? 0
                }
                let version = (current ?? 0) + 1
                let bytes = try box.value(version)
                if activate { try db.execute(sql: "UPDATE data_keys SET active = 0") }
                try db.execute(sql: "INSERT INTO data_keys (version, wrapped, active, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [version, bytes, activate, Date().seconds])
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
