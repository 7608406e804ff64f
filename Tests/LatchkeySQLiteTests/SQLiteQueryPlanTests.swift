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

    @Test func theCredentialsListSeeksItsIndexWithoutSorting() async throws {
        for sql in [SQLiteStore.credentialsFirstPageSQL, SQLiteStore.credentialsPageAfterSQL] {
            let steps = try await plan(sql)
            #expect(steps.contains { $0.contains("USING INDEX credentials_owner_created") }, "\(steps)")
            #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "a page must not sort the user's credentials: \(steps)")
        }
        let deep = try await plan(SQLiteStore.credentialsPageAfterSQL)
        #expect(deep.contains { $0.contains("credentials_owner_created (owner_id=? AND created_at<?)") }, "a later page seeks to its cursor: \(deep)")
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
        for sql in [SQLiteStore.agentKeysFirstPageSQL, SQLiteStore.agentKeysPageAfterSQL] {
            let steps = try await plan(sql)
            #expect(steps.contains { $0.contains("USING INDEX agent_keys_group_created") }, "\(steps)")
            #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "a page must not sort the group's keys: \(steps)")
        }
        let deep = try await plan(SQLiteStore.agentKeysPageAfterSQL)
        #expect(deep.contains { $0.contains("agent_keys_group_created (group_id=? AND created_at>?)") }, "a later page seeks to its cursor: \(deep)")
    }

    @Test func theWarningsSeekTheCredentialsThatNeedAttention() async throws {
        let steps = try await plan(SQLiteStore.credentialsInStatusesSQL(count: 3))
        #expect(steps.contains { $0.contains("USING INDEX credentials_owner_status (owner_id=? AND status=?)") }, "\(steps)")
    }
}
