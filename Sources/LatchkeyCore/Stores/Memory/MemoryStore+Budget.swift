import Foundation

extension MemoryStore {
    /// The key of a quota window and of its spent-window record.
    struct QuotaWindow: Hashable, Sendable {
        var groupID: String
        var scope: String
        var per: BudgetPeriod
        var windowStart: Date
    }

    /// The key of a daily tables.usage row.
    struct UsageKey: Hashable, Sendable {
        var groupID: String
        var day: String
        var provider: String
    }

    public func setBudget(groupID: String, budget: Budget?) async throws {
        guard tables.groups[groupID] != nil else { return }
        logAccessChange(.group, groupID)
        tables.groups[groupID]?.budget = budget
    }

    public func setBindingPolicy(groupID: String, provider: String, policy: BindingPolicy?) async throws -> Bool {
        let key = GroupProvider(groupID: groupID, provider: provider)
        guard tables.bindings[key] != nil else { return false }
        logAccessChange(.group, groupID)
        tables.bindings[key]?.policy = policy
        return true
    }

    public func leaseQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date, limit: Int, want: Int) async throws -> Int {
        // Decided and written in one step: the grant never takes the window past its limit. Like the SQL, a limit of
        // zero or a missing group grants nothing and writes nothing.
        guard limit > 0, tables.groups[groupID] != nil else { return 0 }
        let window = QuotaWindow(groupID: groupID, scope: scope, per: per, windowStart: windowStart)
        guard let leased = tables.quotaLeases[window] else {
            tables.quotaLeases[window] = min(want, limit)
            return min(want, limit)
        }
        guard leased < limit else { return 0 }
        let granted = min(want, limit - leased)
        tables.quotaLeases[window] = leased + granted
        return granted
    }

    public func leasedQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date) async throws -> Int {
        tables.quotaLeases[QuotaWindow(groupID: groupID, scope: scope, per: per, windowStart: windowStart)] ?? 0
    }

    public func deleteQuota(windowsBefore before: Date) async throws {
        tables.quotaLeases = tables.quotaLeases.filter { $0.key.windowStart >= before }
    }

    public func addUsage(_ usage: [DailyUsage]) async throws {
        // A group deleted since the calls were counted takes its counts with it.
        for row in usage where tables.groups[row.groupID] != nil {
            let key = UsageKey(groupID: row.groupID, day: row.day, provider: row.provider)
            if var stored = tables.usage[key] {
                stored.calls += row.calls
                stored.refused += row.refused
                tables.usage[key] = stored
            } else {
                tables.usage[key] = row
            }
        }
    }

    public func dailyUsage(groupID: String, sinceDay: String) async throws -> [DailyUsage] {
        tables.usage.values
            .filter { $0.groupID == groupID && !Self.precedes($0.day, sinceDay) }
            .sorted { $0.day != $1.day ? Self.precedes($0.day, $1.day) : Self.precedes($0.provider, $1.provider) }
    }

    public func recordBudgetExceeded(_ event: BudgetExceeded) async throws -> Bool {
        let window = QuotaWindow(groupID: event.groupID, scope: event.scope, per: event.per, windowStart: event.windowStart)
        guard tables.groups[event.groupID] != nil, tables.budgetsExceeded[window] == nil else { return false }
        tables.budgetsExceeded[window] = event
        return true
    }

    public func budgetsExceeded(ownerID: String, since: Date) async throws -> [BudgetExceeded] {
        Array(tables.budgetsExceeded.values.filter { tables.groups[$0.groupID]?.ownerID == ownerID && $0.at >= since }.sorted { $0.at > $1.at }.prefix(100))
    }

    public func createApproval(_ approval: Approval) async throws {
        // A lapsed request for the same call gives way: one pending request per call (a unique index in SQL).
        let sameCall = { (other: Approval) in
            other.groupID == approval.groupID && other.provider == approval.provider && other.method == approval.method && other.path == approval.path
        }
        let lapsed = tables.approvals.values.filter { sameCall($0) && $0.status == .pending && $0.expiresAt <= approval.createdAt }.map(\.id)
        let survivors = tables.approvals.filter { !lapsed.contains($0.key) }
        let pendingTaken = approval.status == .pending && survivors.values.contains { sameCall($0) && $0.status == .pending }
        guard survivors[approval.id] == nil, !pendingTaken else { throw StoreError.conflict("approval") }
        guard tables.groups[approval.groupID] != nil else { throw Self.missing("group") }
        tables.approvals = survivors
        tables.approvals[approval.id] = approval
    }

    public func approval(id: String) async throws -> Approval? { tables.approvals[id] }

    public func approvals(ownerID: String?, groupID: String?, status: Approval.Status?, limit: Int) async throws -> [Approval] {
        let matching = tables.approvals.values.filter { approval in
            (ownerID.map { approval.ownerID == $0 } ?? true) && (groupID.map { approval.groupID == $0 } ?? true)
                && (status.map { approval.status == $0 } ?? true)
        }
        return Array(matching.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : Self.precedes($1.id, $0.id) }.prefix(max(limit, 0)))
    }

    public func openApproval(groupID: String, provider: String, method: String, path: String, now: Date) async throws -> Approval? {
        // Denied ones first, then the newest.
        tables.approvals.values
            .filter { $0.groupID == groupID && $0.provider == provider && $0.method == method && $0.path == path }
            .filter { ($0.status == .pending && $0.expiresAt > now) || $0.status == .denied }
            .sorted { ($0.status == .denied) != ($1.status == .denied) ? $0.status == .denied : $0.createdAt > $1.createdAt }
            .first
    }

    public func useGrant(groupID: String, provider: String, method: String, rule: String, now: Date) async throws -> Bool {
        let grants = tables.approvals.values.filter {
            $0.groupID == groupID && $0.provider == provider && $0.method == method && $0.rule == rule && $0.status == .approved && $0.expiresAt > now
        }
        if grants.contains(where: { !$0.once }) { return true }
        // The oldest unused once-grant, marked used in the same step: one call per once-grant.
        guard let once = grants.filter({ $0.once && !$0.used }).min(by: { $0.createdAt < $1.createdAt }) else { return false }
        tables.approvals[once.id]?.used = true
        return true
    }

    public func decideApproval(id: String, status: Approval.Status, once: Bool, expiresAt: Date, by: String, now: Date) async throws -> Bool {
        guard var approval = tables.approvals[id], approval.status == .pending, approval.expiresAt > now else { return false }
        approval.status = status
        approval.once = once
        approval.expiresAt = expiresAt
        approval.decidedBy = by
        approval.decidedAt = now
        tables.approvals[id] = approval
        return true
    }
}
