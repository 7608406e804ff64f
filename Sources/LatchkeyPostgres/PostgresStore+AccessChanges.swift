import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func latestAccessChange() async throws -> Int64 {
        try await rows("access changes", "SELECT COALESCE(MAX(id), 0) AS id FROM access_changes").first?.get("id") ?? 0
    }

    public func accessChanges(after: Int64, limit: Int) async throws -> [AccessChange] {
        try await rows("access changes", "SELECT id, kind, target FROM access_changes WHERE id > \(after) ORDER BY id LIMIT \(max(limit, 0))").map { row in
            AccessChange(id: try row.get("id"), kind: try row.get("kind", as: String.self), target: try row.get("target"))
        }
    }

    @discardableResult
    public func pruneAccessChanges(through: Int64) async throws -> Int {
        let counted = try await rows("access changes", "WITH gone AS (DELETE FROM access_changes WHERE id <= \(through) RETURNING 1) SELECT count(*) AS n FROM gone")
        guard let row = counted.first else { return 0 }
        return Int(try row.get("n", as: Int64.self))
    }
}
