import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    /// What the schema's foreign keys promise: deletes cascade, and rows naming what does not exist are refused.
    static let integrityChecks: [(String, @Sendable (any Store) async throws -> Void)] = [
        ("deleting a group takes its keys, bindings, counts and approvals with it", deleteGroupCascades),
        ("rows naming a missing user, group or credential are refused", missingReferences),
    ]

    static func deleteGroupCascades(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let credential = try await credential(store, owner: alice)
        try await store.createAgentKey(AgentKey(id: "key_1", groupID: group.id, prefix: "PREFIXDELETE", hash: Data([9]), createdAt: t0))
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: credential.id, createdAt: t0))
        try await store.recordMissingBinding(groupID: group.id, provider: "slack", at: t0)
        #expect(try await store.leaseQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0, limit: 10, want: 3) == 3)
        try await store.addUsage([DailyUsage(groupID: group.id, provider: "openai", day: "2026-12-01", calls: 3, refused: 0)])
        #expect(try await store.recordBudgetExceeded(BudgetExceeded(groupID: group.id, scope: "*", per: .minute, windowStart: t0, at: t0)))
        try await store.createApproval(Approval(id: "apr_1", groupID: group.id, ownerID: alice.id, provider: "openai", method: "POST", path: "/x",
                                                rule: "POST /x", status: .pending, createdAt: t0, expiresAt: t0.addingTimeInterval(60)))

        #expect(try await store.deleteGroup(id: group.id))
        #expect(try await store.agentKey(prefix: "PREFIXDELETE") == nil)
        #expect(try await store.bindings(groupID: group.id).isEmpty)
        #expect(try await store.missingBindings(ownerID: alice.id).isEmpty)
        #expect(try await store.leasedQuota(groupID: group.id, scope: "*", per: .minute, windowStart: t0) == 0)
        #expect(try await store.dailyUsage(groupID: group.id, sinceDay: "2026-01-01").isEmpty)
        #expect(try await store.budgetsExceeded(ownerID: alice.id, since: t0).isEmpty)
        #expect(try await store.approval(id: "apr_1") == nil)
        #expect(try await store.credential(id: credential.id) != nil, "the bound credential stays")
        #expect(try await !store.deleteGroup(id: group.id))
    }

    static func missingReferences(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let credential = try await credential(store, owner: alice)
        await #expect(throws: (any Error).self, "a credential of nobody") {
            try await store.createCredential(Credential(id: "crd_orphan", ownerID: "usr_missing", provider: "openai", name: "x", authMode: .apiKey,
                                                        createdAt: t0, updatedAt: t0))
        }
        await #expect(throws: (any Error).self, "a group of nobody") {
            try await store.createGroup(AgentGroup(id: "grp_orphan", ownerID: "usr_missing", name: "x", createdAt: t0))
        }
        await #expect(throws: (any Error).self, "a key of no group") {
            try await store.createAgentKey(AgentKey(id: "key_orphan", groupID: "grp_missing", prefix: "PREFIXORPHAN", hash: Data([1]), createdAt: t0))
        }
        await #expect(throws: (any Error).self, "a binding to no credential") {
            try await store.putBinding(Binding(groupID: group.id, provider: "github", credentialID: "crd_missing", createdAt: t0))
        }
        await #expect(throws: (any Error).self, "a session of nobody") {
            try await store.createSession(Session(id: "s", userID: "usr_missing", csrf: "c", createdAt: t0, expiresAt: t0.addingTimeInterval(60)))
        }
        #expect(try await store.credential(id: "crd_orphan") == nil)
        #expect(try await store.group(id: "grp_orphan") == nil)
        #expect(try await store.bindings(groupID: group.id).isEmpty)
        #expect(try await store.credential(id: credential.id) != nil)
    }
}
