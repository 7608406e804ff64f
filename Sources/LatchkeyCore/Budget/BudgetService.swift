import Foundation

/// Groups' budgets and usage, for their owners (and admins, for every group).
public struct BudgetService: Sendable {
    let store: any Store
    let catalog: Catalog
    let clock: any WallClock
    let cache: AccessCache
    let gate: BudgetGate
    let usage: UsageRecorder
    let audit: AuditLog

    public init(store: any Store, catalog: Catalog, clock: any WallClock, cache: AccessCache, gate: BudgetGate, usage: UsageRecorder) {
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.cache = cache
        self.gate = gate
        self.usage = usage
        self.audit = AuditLog(store: store, clock: clock)
    }

    /// The group, when `user` owns it or is an admin; otherwise not found.
    public func accessible(user: User, groupID: String) async throws -> AgentGroup {
        guard let group = try await store.group(id: groupID), group.ownerID == user.id || user.role == .admin else { throw LatchkeyError.notFound("group") }
        return group
    }

    /// The group's budget (the empty one when it has none).
    public func budget(user: User, groupID: String) async throws -> Budget {
        try await accessible(user: user, groupID: groupID).budget ?? Budget()
    }

    /// Replaces the group's budget. Takes effect at once on this server and within the access cache's time on others.
    public func setBudget(user: User, groupID: String, budget: Budget) async throws -> Budget {
        let group = try await accessible(user: user, groupID: groupID)
        let budget = try budget.validated { catalog.provider($0) != nil }
        try await store.setBudget(groupID: group.id, budget: budget.isEmpty ? nil : budget)
        cache.invalidateAll()
        var detail = ["limits": "\(budget.limits.count)"]
        if let cap = budget.maxConcurrent { detail["max_concurrent"] = String(cap) }
        if let expiry = budget.expiresAt { detail["expires_at"] = ISO8601DateFormatter().string(from: expiry) }
        try await audit.record(ownerID: group.ownerID, actor: "user:\(user.id)", action: "budget.set", targetType: "group", targetID: group.id, detail: detail)
        return budget
    }

    /// Calls counted against each limit in its current window, and the calls in flight on this server.
    public func usage(user: User, groupID: String) async throws -> (limits: [LimitUsage], concurrent: Int) {
        try await gate.usage(group: try await accessible(user: user, groupID: groupID))
    }

    /// Calls per day and provider over the last `days` days.
    public func daily(user: User, groupID: String, days: Int = 30) async throws -> [DailyUsage] {
        _ = try await accessible(user: user, groupID: groupID)
        return try await usage.daily(groupID: groupID, days: days)
    }

    /// Sets the policy of the group's binding for `provider` (nil: everything under the base URL).
    public func setPolicy(user: User, groupID: String, provider: String, policy: BindingPolicy?) async throws {
        let group = try await accessible(user: user, groupID: groupID)
        let policy = try policy.map { try Self.validated($0, provider: provider, catalog: catalog) }
        guard try await store.setBindingPolicy(groupID: group.id, provider: provider, policy: policy?.isEmpty == true ? nil : policy) else {
            throw LatchkeyError.notFound("binding")
        }
        cache.invalidateAll()
        try await audit.record(ownerID: group.ownerID, actor: "user:\(user.id)", action: "binding.policy_set", targetType: "group", targetID: group.id,
                               detail: ["provider": provider])
    }

    /// `policy` checked against the provider's tools.
    public static func validated(_ policy: BindingPolicy, provider: String, catalog: Catalog) throws(LatchkeyError) -> BindingPolicy {
        // A remote MCP server's tools are the server's: any well-formed MCP tool name may be listed.
        if catalog.provider(provider)?.mcp != nil { return try policy.validated(tools: nil) }
        let tools = Set((catalog.provider(provider)?.tools.map(\.name) ?? []) + ["request"])
        return try policy.validated(tools: tools)
    }
}
