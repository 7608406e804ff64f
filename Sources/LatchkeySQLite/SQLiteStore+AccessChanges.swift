import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func latestAccessChange() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM access_changes") ?? 0 }
    }

    public func accessChanges(after: Int64, limit: Int) async throws -> [AccessChange] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind, target FROM access_changes WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, max(limit, 0)]).map { row in
                AccessChange(id: row["id"], kind: row["kind"] as String, target: row["target"])
            }
        }
    }

    @discardableResult
    public func pruneAccessChanges(through: Int64) async throws -> Int {
        try await write("access changes") { db in
            try db.execute(sql: "DELETE FROM access_changes WHERE id <= ?", arguments: [through])
            return db.changesCount
        }
    }
}
