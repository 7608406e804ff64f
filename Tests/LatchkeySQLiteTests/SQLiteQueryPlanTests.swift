import Foundation
import GRDB
@testable import LatchkeySQLite
import Testing

/// The lists a user pages through and the refresh pass's candidates stay fast at 100,000 rows only if SQLite reads
/// them through an index in the order asked, without sorting the whole table: checked on the migrated schema.
@Suite struct SQLiteQueryPlanTests {
    /// SQLite's plan for `sql` (with NULL for every parameter), one line per step.
    func plan(_ sql: String) async throws -> [String] {
        let database = TemporaryDatabase()
        _ = try await database.open()
        let queue = try DatabaseQueue(path: database.path)
        return try await queue.read { db in
            // These statements hold no literal "?", so each one is a parameter.
            let nulls = StatementArguments(Array(repeating: DatabaseValue.null, count: sql.filter { $0 == "?" }.count))
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: nulls).map { $0["detail"] as String }
        }
    }

    /// Both pages of a list read `index` in the list's order, and the later one seeks to its cursor with `seek`.
    func expectPagesSeek(first: String, after: String, index: String, seek: String) async throws {
        for sql in [first, after] {
            let steps = try await plan(sql)
            #expect(steps.contains { $0.contains("USING INDEX \(index)") }, "\(steps)")
            #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "a page must not sort the whole list: \(steps)")
        }
        let deep = try await plan(after)
        #expect(deep.contains { $0.contains("\(index) (\(seek))") }, "a later page seeks to its cursor: \(deep)")
    }

    @Test func theCredentialsListSeeksItsIndexWithoutSorting() async throws {
        try await expectPagesSeek(first: SQLiteStore.credentialsFirstPageSQL, after: SQLiteStore.credentialsPageAfterSQL,
                                  index: "credentials_owner_created", seek: "owner_id=? AND created_at<?")
    }

    @Test func theAuditLogReadsItsIndexBackwards() async throws {
        let steps = try await plan(SQLiteStore.auditPageSQL)
        #expect(steps.contains { $0.contains("USING INDEX audit_events_owner (owner_id=? AND seq<?)") }, "\(steps)")
        #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "\(steps)")
    }

    @Test func refreshCandidatesWalkThePrimaryKeyFromTheCursor() async throws {
        let steps = try await plan(SQLiteStore.refreshCandidatesSQL)
        #expect(steps.contains { $0.contains("USING INDEX sqlite_autoindex_credentials_1 (id>?)") }, "\(steps)")
        #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "each page must not sort the remaining candidates: \(steps)")
    }

    @Test func theAgentKeysListSeeksItsIndexWithoutSorting() async throws {
        try await expectPagesSeek(first: SQLiteStore.agentKeysFirstPageSQL, after: SQLiteStore.agentKeysPageAfterSQL,
                                  index: "agent_keys_group_created", seek: "group_id=? AND created_at>?")
    }

    @Test func theWarningsSeekTheCredentialsThatNeedAttention() async throws {
        let steps = try await plan(SQLiteStore.credentialsInStatusesSQL(count: 3))
        #expect(steps.contains { $0.contains("USING INDEX credentials_owner_status (owner_id=? AND status=?)") }, "\(steps)")
    }
}
