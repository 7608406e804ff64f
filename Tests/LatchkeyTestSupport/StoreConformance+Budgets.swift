import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    static func budgetsAndPolicies(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let key = AgentKey(id: "key_b", groupID: group.id, prefix: "PREFIXBUDGET", hash: Data([9]), createdAt: t0)
        try await store.createAgentKey(key)
        let credential = try await credential(store, owner: alice)
        let policy = BindingPolicy(methods: ["GET"], paths: [try PathPattern("/repos/acme/**")], tools: ["request"],
                                   approve: [ApprovalRule(methods: ["DELETE"], paths: nil)])
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: credential.id, createdAt: t0, policy: policy))
        #expect(try await store.bindings(groupID: group.id).first?.policy == policy)
        let budget = Budget(limits: [BudgetLimit(provider: nil, per: .minute, calls: 100), BudgetLimit(provider: "openai", per: .month, calls: 5)],
                            maxConcurrent: 4, expiresAt: t0.addingTimeInterval(3600))
        try await store.setBudget(groupID: group.id, budget: budget)
        #expect(try await store.group(id: group.id)?.budget == budget)
        let access = try #require(try await store.agentAccess(prefix: "PREFIXBUDGET", provider: "openai"))
        #expect(access.group.budget == budget)
        #expect(access.policy == policy)
        #expect(try await store.setBindingPolicy(groupID: group.id, provider: "openai", policy: nil))
        #expect(try await store.agentAccess(prefix: "PREFIXBUDGET", provider: "openai")?.policy == nil)
        #expect(try await !store.setBindingPolicy(groupID: group.id, provider: "github", policy: policy))
        try await store.setBudget(groupID: group.id, budget: nil)
        #expect(try await store.agentKey(prefix: "PREFIXBUDGET")?.1.budget == nil)
    }

    static func quotaLeases(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        // 40 leases of 7 race for a window of 100: together they get exactly 100, none past it.
        let grants = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for _ in 0..<40 {
                tasks.addTask { try await store.leaseQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0, limit: 100, want: 7) }
            }
            return try await tasks.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(grants.reduce(0, +) == 100)
        #expect(grants.allSatisfy { $0 >= 0 && $0 <= 7 })
        #expect(try await store.leasedQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0) == 100)
        #expect(try await store.leaseQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0, limit: 100, want: 1) == 0)
        // A raised limit leases the difference; another window and another scope count apart.
        #expect(try await store.leaseQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0, limit: 103, want: 10) == 3)
        #expect(try await store.leaseQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0.addingTimeInterval(60), limit: 100, want: 10) == 10)
        #expect(try await store.leaseQuota(groupID: group.id, scope: "openai", per: .minute, windowStart: t0, limit: 100, want: 10) == 10)
        #expect(try await store.leaseQuota(groupID: group.id, scope: "*", per: .hour, windowStart: t0, limit: 0, want: 10) == 0)
        #expect(try await store.leaseQuota(groupID: "grp_missing", scope: "*", per: .minute, windowStart: t0, limit: 100, want: 10) == 0)
        try await store.deleteQuota(windowsBefore: t0.addingTimeInterval(1))
        #expect(try await store.leasedQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0) == 0)
        #expect(try await store.leasedQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0.addingTimeInterval(60)) == 10)
    }

    static func dailyUsage(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        try await store.addUsage([DailyUsage(groupID: group.id, provider: "openai", day: "2026-12-01", calls: 3, refused: 1),
                                  DailyUsage(groupID: group.id, provider: "github", day: "2026-12-02", calls: 2, refused: 0)])
        try await store.addUsage([DailyUsage(groupID: group.id, provider: "openai", day: "2026-12-01", calls: 4, refused: 2),
                                  DailyUsage(groupID: "grp_gone", provider: "openai", day: "2026-12-01", calls: 4, refused: 2)])
        let rows = try await store.dailyUsage(groupID: group.id, sinceDay: "2026-11-01")
        #expect(rows == [DailyUsage(groupID: group.id, provider: "openai", day: "2026-12-01", calls: 7, refused: 3),
                         DailyUsage(groupID: group.id, provider: "github", day: "2026-12-02", calls: 2, refused: 0)])
        #expect(try await store.dailyUsage(groupID: group.id, sinceDay: "2026-12-02").count == 1)
    }

    static func budgetExceeded(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let event = BudgetExceeded(groupID: group.id, scope: "*", per: .minute, windowStart: t0, at: t0.addingTimeInterval(5))
        #expect(try await store.recordBudgetExceeded(event))
        #expect(try await !store.recordBudgetExceeded(event))
        #expect(try await store.budgetsExceeded(ownerID: alice.id, since: t0) == [event])
        #expect(try await store.budgetsExceeded(ownerID: alice.id, since: t0.addingTimeInterval(60)).isEmpty)
    }

    static func groupAudit(_ store: any Store) async throws {
        func event(_ n: Int, action: String, type: String = "group", target: String = "grp_a") -> AuditEvent {
            AuditEvent(id: "evt_\(n)", ownerID: "usr_1", actor: "agent:grp_a", action: action, targetType: type, targetID: target,
                       detail: ["n": String(n)], createdAt: t0.addingTimeInterval(Double(n)))
        }
        for e in [event(1, action: "call.denied"), event(2, action: "budget.set"), event(3, action: "budget.exceeded"),
                  event(4, action: "call.denied", target: "grp_b"), event(5, action: "call.denied", type: "credential"),
                  event(6, action: "approval.requested"), event(7, action: "call.denied")] {
            try await store.appendAudit(e)
        }
        let found = try await store.groupAuditEvents(groupID: "grp_a", actions: ["call.denied", "budget.exceeded", "approval.requested"], limit: 10)
        #expect(found.map(\.id) == ["evt_7", "evt_6", "evt_3", "evt_1"])
        #expect(found.first?.detail == ["n": "7"])
        #expect(try await store.groupAuditEvents(groupID: "grp_a", actions: ["call.denied"], limit: 1).map(\.id) == ["evt_7"])
        #expect(try await store.groupAuditEvents(groupID: "grp_a", actions: [], limit: 10).isEmpty)
    }

    static func approvals(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        func request(_ id: String, path: String = "/repos/acme/x") -> Approval {
            Approval(id: id, groupID: group.id, ownerID: alice.id, provider: "github", method: "DELETE", path: path, rule: "DELETE /repos/**",
                     status: .pending, createdAt: t0, expiresAt: t0.addingTimeInterval(86_400))
        }
        try await store.createApproval(request("apr_1"))
        // One pending request per call.
        await #expect(throws: StoreError.self) { try await store.createApproval(request("apr_1b")) }
        #expect(try await store.openApproval(groupID: group.id, provider: "github", method: "DELETE", path: "/repos/acme/x", now: t0)?.id == "apr_1")
        #expect(try await store.openApproval(groupID: group.id, provider: "github", method: "DELETE", path: "/repos/acme/y", now: t0) == nil)
        #expect(try await !store.useGrant(groupID: group.id, provider: "github", method: "DELETE", rule: "DELETE /repos/**", now: t0))
        // Approved once: exactly one of several racing calls gets through.
        #expect(try await store.decideApproval(id: "apr_1", status: .approved, once: true, expiresAt: t0.addingTimeInterval(86_400), by: "user:a", now: t0))
        #expect(try await !store.decideApproval(id: "apr_1", status: .denied, once: false, expiresAt: t0, by: "user:a", now: t0))
        let passed = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for _ in 0..<8 { tasks.addTask { try await store.useGrant(groupID: group.id, provider: "github", method: "DELETE", rule: "DELETE /repos/**", now: t0) } }
            return try await tasks.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(passed == 1)
        // Approved for a duration: every call until it ends, none after.
        try await store.createApproval(request("apr_2"))
        #expect(try await store.decideApproval(id: "apr_2", status: .approved, once: false, expiresAt: t0.addingTimeInterval(600), by: "user:a", now: t0))
        #expect(try await store.useGrant(groupID: group.id, provider: "github", method: "DELETE", rule: "DELETE /repos/**", now: t0.addingTimeInterval(10)))
        #expect(try await store.useGrant(groupID: group.id, provider: "github", method: "DELETE", rule: "DELETE /repos/**", now: t0.addingTimeInterval(20)))
        #expect(try await !store.useGrant(groupID: group.id, provider: "github", method: "DELETE", rule: "DELETE /repos/**", now: t0.addingTimeInterval(601)))
        #expect(try await !store.useGrant(groupID: group.id, provider: "github", method: "GET", rule: "DELETE /repos/**", now: t0.addingTimeInterval(10)))
        // Denied: stays denied for that call, and cannot be approved after.
        try await store.createApproval(request("apr_3", path: "/repos/acme/z"))
        #expect(try await store.decideApproval(id: "apr_3", status: .denied, once: false, expiresAt: t0.addingTimeInterval(86_400), by: "user:a", now: t0))
        #expect(try await !store.decideApproval(id: "apr_3", status: .approved, once: true, expiresAt: t0.addingTimeInterval(86_400), by: "user:a", now: t0))
        #expect(try await store.openApproval(groupID: group.id, provider: "github", method: "DELETE", path: "/repos/acme/z", now: t0.addingTimeInterval(200_000))?.status == .denied)
        // A lapsed request cannot be decided, and gives way to a new one for the same call.
        try await store.createApproval(request("apr_4", path: "/repos/acme/w"))
        #expect(try await !store.decideApproval(id: "apr_4", status: .approved, once: true, expiresAt: t0, by: "user:a", now: t0.addingTimeInterval(90_000)))
        var later = request("apr_5", path: "/repos/acme/w")
        later.createdAt = t0.addingTimeInterval(90_000)
        later.expiresAt = t0.addingTimeInterval(90_000 + 86_400)
        try await store.createApproval(later)
        #expect(try await store.approval(id: "apr_4") == nil)
        #expect(try await store.openApproval(groupID: group.id, provider: "github", method: "DELETE", path: "/repos/acme/w", now: t0.addingTimeInterval(90_001))?.id == "apr_5")
        #expect(try await store.approvals(ownerID: alice.id, groupID: nil, status: .pending, limit: 10).map(\.id) == ["apr_5"])
        #expect(try await store.approvals(ownerID: nil, groupID: group.id, status: nil, limit: 10).count == 4)
        #expect(try await store.approvals(ownerID: "usr_other", groupID: nil, status: nil, limit: 10).isEmpty)
        #expect(try await store.approval(id: "apr_3")?.decidedBy == "user:a")
    }
}
