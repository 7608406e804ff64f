import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func setBudget(groupID: String, budget: Budget?) async throws {
        try await rows("budget", "UPDATE agent_groups SET budget = \(StoredJSON.encodeIfPresent(budget)) WHERE id = \(groupID)")
    }

    public func setBindingPolicy(groupID: String, provider: String, policy: BindingPolicy?) async throws -> Bool {
        try await rows("binding policy", """
            UPDATE bindings SET policy = \(StoredJSON.encodeIfPresent(policy)) WHERE group_id = \(groupID) AND provider = \(provider) RETURNING group_id
            """).count == 1
    }

    public func leaseQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date, limit: Int, want: Int) async throws -> Int {
        // One statement: the upsert locks the window's row, so concurrent leases from every server serialise on it and
        // the grants never take the window past its limit.
        try await rows("quota lease", """
            INSERT INTO quota_leases (group_id, scope, per, window_start, leased, last_grant)
            SELECT \(groupID), \(scope), \(per.rawValue), \(windowStart), LEAST(\(want), \(limit)), LEAST(\(want), \(limit))
            WHERE \(limit) > 0 AND EXISTS (SELECT 1 FROM agent_groups WHERE id = \(groupID))
            ON CONFLICT (group_id, scope, per, window_start) DO UPDATE
                SET leased = quota_leases.leased + LEAST(\(want), \(limit) - quota_leases.leased),
                    last_grant = LEAST(\(want), \(limit) - quota_leases.leased)
                WHERE quota_leases.leased < \(limit)
            RETURNING last_grant
            """).first?.get("last_grant", as: Int.self) ?? 0
    }

    public func leasedQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date) async throws -> Int {
        try await rows("quota lease", """
            SELECT leased FROM quota_leases WHERE group_id = \(groupID) AND scope = \(scope) AND per = \(per.rawValue) AND window_start = \(windowStart)
            """).first?.get("leased", as: Int.self) ?? 0
    }

    public func deleteQuota(windowsBefore before: Date) async throws {
        try await rows("quota leases", "DELETE FROM quota_leases WHERE window_start < \(before)")
    }

    public func addUsage(_ usage: [DailyUsage]) async throws {
        guard !usage.isEmpty else { return }
        try await transaction("usage") { tx in
            for row in usage {
                // A group deleted since the calls were counted takes its counts with it.
                try await tx.rows("""
                    INSERT INTO usage_daily (group_id, provider, day, calls, refused)
                    SELECT \(row.groupID), \(row.provider), \(row.day), \(row.calls), \(row.refused) WHERE EXISTS (SELECT 1 FROM agent_groups WHERE id = \(row.groupID))
                    ON CONFLICT (group_id, day, provider) DO UPDATE
                        SET calls = usage_daily.calls + excluded.calls, refused = usage_daily.refused + excluded.refused
                    """)
            }
        }
    }

    public func dailyUsage(groupID: String, sinceDay: String) async throws -> [DailyUsage] {
        try await rows("usage", "SELECT * FROM usage_daily WHERE group_id = \(groupID) AND day >= \(sinceDay) ORDER BY day, provider").map { row in
            DailyUsage(groupID: try row.get("group_id"), provider: try row.get("provider"), day: try row.get("day"),
                       calls: try row.get("calls"), refused: try row.get("refused"))
        }
    }

    public func recordBudgetExceeded(_ event: BudgetExceeded) async throws -> Bool {
        try await rows("budget exceeded", """
            INSERT INTO budget_exceeded (group_id, scope, per, window_start, at)
            SELECT \(event.groupID), \(event.scope), \(event.per.rawValue), \(event.windowStart), \(event.at)
            WHERE EXISTS (SELECT 1 FROM agent_groups WHERE id = \(event.groupID))
            ON CONFLICT DO NOTHING RETURNING group_id
            """).count == 1
    }

    public func budgetsExceeded(ownerID: String, since: Date) async throws -> [BudgetExceeded] {
        try await rows("budget exceeded", """
            SELECT e.* FROM budget_exceeded e JOIN agent_groups g ON g.id = e.group_id WHERE g.owner_id = \(ownerID) AND e.at >= \(since)
            ORDER BY e.at DESC LIMIT 100
            """).compactMap { row in
            guard let per = BudgetPeriod(rawValue: try row.get("per")) else { return nil }
            return BudgetExceeded(groupID: try row.get("group_id"), scope: try row.get("scope"), per: per, windowStart: try row.get("window_start"), at: try row.get("at"))
        }
    }

    public func createApproval(_ approval: Approval) async throws {
        try await transaction("approval") { tx in
            // A lapsed request for the same call gives way: one pending request per call (a unique index).
            try await tx.rows("""
                DELETE FROM approvals WHERE group_id = \(approval.groupID) AND provider = \(approval.provider) AND method = \(approval.method)
                AND path = \(approval.path) AND status = 'pending' AND expires_at <= \(approval.createdAt)
                """)
            try await tx.rows("""
                INSERT INTO approvals (id, group_id, owner_id, provider, method, path, rule, status, created_at, expires_at, once, used, decided_at, decided_by)
                VALUES (\(approval.id), \(approval.groupID), \(approval.ownerID), \(approval.provider), \(approval.method), \(approval.path), \(approval.rule),
                        \(approval.status.rawValue), \(approval.createdAt), \(approval.expiresAt), \(approval.once), \(approval.used),
                        \(approval.decidedAt), \(approval.decidedBy))
                """)
        }
    }

    public func approval(id: String) async throws -> Approval? {
        try await rows("approval", "SELECT * FROM approvals WHERE id = \(id)").first.flatMap { try Self.approval($0) }
    }

    public func approvals(ownerID: String?, groupID: String?, status: Approval.Status?, limit: Int) async throws -> [Approval] {
        try await rows("approval", """
            SELECT * FROM approvals WHERE (\(ownerID)::text IS NULL OR owner_id = \(ownerID)) AND (\(groupID)::text IS NULL OR group_id = \(groupID))
            AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """).compactMap { try Self.approval($0) }
    }

    public func openApproval(groupID: String, provider: String, method: String, path: String, now: Date) async throws -> Approval? {
        try await rows("approval", """
            SELECT * FROM approvals WHERE group_id = \(groupID) AND provider = \(provider) AND method = \(method) AND path = \(path)
            AND ((status = 'pending' AND expires_at > \(now)) OR status = 'denied') ORDER BY status = 'denied' DESC, created_at DESC LIMIT 1
            """).first.flatMap { try Self.approval($0) }
    }

    public func useGrant(groupID: String, provider: String, method: String, rule: String, now: Date) async throws -> Bool {
        if try await !rows("approval grant", """
            SELECT 1 AS one FROM approvals WHERE group_id = \(groupID) AND provider = \(provider) AND method = \(method) AND rule = \(rule)
            AND status = 'approved' AND NOT once AND expires_at > \(now) LIMIT 1
            """).isEmpty { return true }
        // The outer `NOT used` is checked again after waiting for the row: one call per once-grant, across servers.
        return try await rows("approval grant", """
            UPDATE approvals SET used = true WHERE NOT used AND id = (
                SELECT id FROM approvals WHERE group_id = \(groupID) AND provider = \(provider) AND method = \(method) AND rule = \(rule)
                AND status = 'approved' AND once AND NOT used AND expires_at > \(now) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """).count == 1
    }

    public func decideApproval(id: String, status: Approval.Status, once: Bool, expiresAt: Date, by: String, now: Date) async throws -> Bool {
        try await rows("approval decision", """
            UPDATE approvals SET status = \(status.rawValue), once = \(once), expires_at = \(expiresAt), decided_by = \(by), decided_at = \(now)
            WHERE id = \(id) AND status = 'pending' AND expires_at > \(now) RETURNING id
            """).count == 1
    }

    static func approval(_ row: PostgresRandomAccessRow) throws -> Approval? {
        guard let status = Approval.Status(rawValue: try row.get("status")) else { return nil }
        return Approval(id: try row.get("id"), groupID: try row.get("group_id"), ownerID: try row.get("owner_id"), provider: try row.get("provider"),
                        method: try row.get("method"), path: try row.get("path"), rule: try row.get("rule"), status: status,
                        createdAt: try row.get("created_at"), expiresAt: try row.get("expires_at"), once: try row.get("once"), used: try row.get("used"),
                        decidedAt: try row.get("decided_at", as: Date?.self), decidedBy: try row.get("decided_by", as: String?.self))
    }
}
