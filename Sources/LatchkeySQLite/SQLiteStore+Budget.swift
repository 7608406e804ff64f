import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func setBudget(groupID: String, budget: Budget?) async throws {
        try await write("budget") { db in
            try db.execute(sql: "UPDATE agent_groups SET budget = ? WHERE id = ?", arguments: [StoredJSON.encodeIfPresent(budget), groupID])
        }
    }

    public func setBindingPolicy(groupID: String, provider: String, policy: BindingPolicy?) async throws -> Bool {
        try await write("binding policy") { db in
            try db.execute(sql: "UPDATE bindings SET policy = ? WHERE group_id = ? AND provider = ?", arguments: [StoredJSON.encodeIfPresent(policy), groupID, provider])
            return db.changesCount == 1
        }
    }

    public func leaseQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date, limit: Int, want: Int) async throws -> Int {
        try await write("quota lease") { db in
            // One statement under SQLite's single writer: the grant never takes the window past its limit.
            let granted = try Int.fetchOne(db, sql: """
                INSERT INTO quota_leases (group_id, scope, per, window_start, leased, last_grant)
                SELECT ?1, ?2, ?3, ?4, min(?5, ?6), min(?5, ?6) WHERE ?6 > 0 AND EXISTS (SELECT 1 FROM agent_groups WHERE id = ?1)
                ON CONFLICT (group_id, scope, per, window_start) DO UPDATE
                    SET leased = leased + min(?5, ?6 - leased), last_grant = min(?5, ?6 - leased) WHERE leased < ?6
                RETURNING last_grant
                """, arguments: [groupID, scope, per.rawValue, windowStart.seconds, want, limit])
            return granted ?? 0
        }
    }

    public func leasedQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT leased FROM quota_leases WHERE group_id = ? AND scope = ? AND per = ? AND window_start = ?",
                             arguments: [groupID, scope, per.rawValue, windowStart.seconds]) ?? 0
        }
    }

    public func deleteQuota(windowsBefore before: Date) async throws {
        try await write("quota leases") { db in
            try db.execute(sql: "DELETE FROM quota_leases WHERE window_start < ?", arguments: [before.seconds])
        }
    }

    public func addUsage(_ usage: [DailyUsage]) async throws {
        guard !usage.isEmpty else { return }
        try await write("usage") { db in
            for row in usage {
                // A group deleted since the calls were counted takes its counts with it.
                try db.execute(sql: """
                    INSERT INTO usage_daily (group_id, provider, day, calls, refused)
                    SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM agent_groups WHERE id = ?1)
                    ON CONFLICT (group_id, day, provider) DO UPDATE SET calls = calls + excluded.calls, refused = refused + excluded.refused
                    """, arguments: [row.groupID, row.provider, row.day, row.calls, row.refused])
            }
        }
    }

    public func dailyUsage(groupID: String, sinceDay: String) async throws -> [DailyUsage] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_daily WHERE group_id = ? AND day >= ? ORDER BY day, provider", arguments: [groupID, sinceDay]).map { row in
                DailyUsage(groupID: row["group_id"], provider: row["provider"], day: row["day"], calls: row["calls"], refused: row["refused"])
            }
        }
    }

    public func recordBudgetExceeded(_ event: BudgetExceeded) async throws -> Bool {
        try await write("budget exceeded") { db in
            try db.execute(sql: """
                INSERT INTO budget_exceeded (group_id, scope, per, window_start, at)
                SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM agent_groups WHERE id = ?1)
                ON CONFLICT DO NOTHING
                """, arguments: [event.groupID, event.scope, event.per.rawValue, event.windowStart.seconds, event.at.seconds])
            return db.changesCount == 1
        }
    }

    public func budgetsExceeded(ownerID: String, since: Date) async throws -> [BudgetExceeded] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.* FROM budget_exceeded e JOIN agent_groups g ON g.id = e.group_id WHERE g.owner_id = ? AND e.at >= ? ORDER BY e.at DESC LIMIT 100
                """, arguments: [ownerID, since.seconds]).compactMap { row in
                guard let per = BudgetPeriod(rawValue: row["per"]) else { return nil }
                return BudgetExceeded(groupID: row["group_id"], scope: row["scope"], per: per, windowStart: Date(seconds: row["window_start"]), at: Date(seconds: row["at"]))
            }
        }
    }

    public func createApproval(_ approval: Approval) async throws {
        try await write("approval") { db in
            // A lapsed request for the same call gives way: one pending request per call (a unique index).
            try db.execute(sql: "DELETE FROM approvals WHERE group_id = ? AND provider = ? AND method = ? AND path = ? AND status = 'pending' AND expires_at <= ?",
                           arguments: [approval.groupID, approval.provider, approval.method, approval.path, approval.createdAt.seconds])
            try db.execute(sql: """
                INSERT INTO approvals (id, group_id, owner_id, provider, method, path, rule, status, created_at, expires_at, once, used, decided_at, decided_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [approval.id, approval.groupID, approval.ownerID, approval.provider, approval.method, approval.path, approval.rule,
                                 approval.status.rawValue, approval.createdAt.seconds, approval.expiresAt.seconds, approval.once, approval.used,
                                 approval.decidedAt?.seconds, approval.decidedBy])
        }
    }

    public func approval(id: String) async throws -> Approval? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM approvals WHERE id = ?", arguments: [id]).flatMap(Self.approval) }
    }

    public func approvals(ownerID: String?, groupID: String?, status: Approval.Status?, limit: Int) async throws -> [Approval] {
        try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let ownerID { conditions.append("owner_id = ?"); arguments += [ownerID] }
            if let groupID { conditions.append("group_id = ?"); arguments += [groupID] }
            if let status { conditions.append("status = ?"); arguments += [status.rawValue] }
            arguments += [limit]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM approvals \(filter) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments).compactMap(Self.approval)
        }
    }

    public func openApproval(groupID: String, provider: String, method: String, path: String, now: Date) async throws -> Approval? {
        try await read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM approvals WHERE group_id = ? AND provider = ? AND method = ? AND path = ?
                AND ((status = 'pending' AND expires_at > ?) OR status = 'denied') ORDER BY status = 'denied' DESC, created_at DESC LIMIT 1
                """, arguments: [groupID, provider, method, path, now.seconds]).flatMap(Self.approval)
        }
    }

    public func useGrant(groupID: String, provider: String, method: String, rule: String, now: Date) async throws -> Bool {
        try await write("approval grant") { db in
            if try Bool.fetchOne(db, sql: """
                SELECT 1 FROM approvals WHERE group_id = ? AND provider = ? AND method = ? AND rule = ? AND status = 'approved' AND once = 0 AND expires_at > ? LIMIT 1
                """, arguments: [groupID, provider, method, rule, now.seconds]) != nil { return true }
            try db.execute(sql: """
                UPDATE approvals SET used = 1 WHERE id = (SELECT id FROM approvals WHERE group_id = ? AND provider = ? AND method = ? AND rule = ?
                    AND status = 'approved' AND once = 1 AND used = 0 AND expires_at > ? ORDER BY created_at LIMIT 1)
                """, arguments: [groupID, provider, method, rule, now.seconds])
            return db.changesCount == 1
        }
    }

    public func decideApproval(id: String, status: Approval.Status, once: Bool, expiresAt: Date, by: String, now: Date) async throws -> Bool {
        try await write("approval decision") { db in
            try db.execute(sql: """
                UPDATE approvals SET status = ?, once = ?, expires_at = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at > ?
                """, arguments: [status.rawValue, once, expiresAt.seconds, by, now.seconds, id, now.seconds])
            return db.changesCount == 1
        }
    }

    static func approval(_ row: Row) -> Approval? {
        guard let status = Approval.Status(rawValue: row["status"]) else { return nil }
        return Approval(id: row["id"], groupID: row["group_id"], ownerID: row["owner_id"], provider: row["provider"], method: row["method"], path: row["path"],
                        rule: row["rule"], status: status, createdAt: Date(seconds: row["created_at"]), expiresAt: Date(seconds: row["expires_at"]),
                        once: row["once"], used: row["used"], decidedAt: (row["decided_at"] as Double?).map(Date.init(seconds:)), decidedBy: row["decided_by"])
    }
}
