import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    static let accessChangeChecks: [(String, @Sendable (any Store) async throws -> Void)] = [
        ("every write that can change an agent's access is logged in order, lease-only writes are not", accessChangesLogged),
        ("the access change log reads in pages after an id and prunes through an id", accessChangesPageAndPrune),
    ]

    /// The changes logged since `after`.
    static func logged(_ store: any Store, after: Int64) async throws -> [AccessChange] {
        try await store.accessChanges(after: after, limit: 1000)
    }

    static func accessChangesLogged(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let key = AgentKey(id: "key_c", groupID: group.id, prefix: "PREFIXCHANGE", hash: Data([9]), createdAt: t0)
        try await store.createAgentKey(key)
        var credential = try await credential(store, owner: alice)
        let oauth = try await oauthCredential(store, owner: alice)

        var mark = try await store.latestAccessChange()
        func expectLogged(_ kind: AccessChange.Kind, _ target: String, _ comment: Comment) async throws {
            let changes = try await logged(store, after: mark)
            #expect(changes.contains { $0.kind == kind && $0.target == target }, comment)
            #expect(changes.map(\.id) == changes.map(\.id).sorted() && Set(changes.map(\.id)).count == changes.count, "ids increase")
            mark = try await store.latestAccessChange()
        }

        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: credential.id, createdAt: t0))
        try await expectLogged(.group, group.id, "a new binding")
        credential.version += 1
        credential.name = "renamed"
        #expect(try await store.updateCredential(credential))
        try await expectLogged(.credential, credential.id, "a credential update")
        #expect(try await store.setBindingPolicy(groupID: group.id, provider: "openai", policy: BindingPolicy(methods: ["GET"])))
        try await expectLogged(.group, group.id, "a binding's policy")
        try await store.setBudget(groupID: group.id, budget: Budget(limits: [BudgetLimit(provider: nil, per: .minute, calls: 5)]))
        try await expectLogged(.group, group.id, "a group's budget")

        _ = try #require(try await store.acquireRefreshLease(credentialID: oauth.id, owner: "A", until: t0.addingTimeInterval(60), now: t0))
        #expect(try await logged(store, after: mark).isEmpty, "taking a lease changes no answer and is not logged")
        #expect(try await store.finishRefresh(update(oauth.id, access: 5, refresh: nil), owner: "A") != nil)
        try await expectLogged(.credential, oauth.id, "a refresh")
        _ = try #require(try await store.acquireRefreshLease(credentialID: oauth.id, owner: "A", until: t0.addingTimeInterval(60), now: t0))
        #expect(try await store.failRefresh(credentialID: oauth.id, owner: "A", status: .needsReauth, reason: "invalid_grant", failures: 1, nextAttempt: nil))
        try await expectLogged(.credential, oauth.id, "a lost grant")
        #expect(try await store.replaceTokens(update(oauth.id, access: 6, refresh: 6), publicFields: [:]))
        try await expectLogged(.credential, oauth.id, "a reconnect")

        #expect(try await store.deleteAgentKey(id: key.id, groupID: group.id))
        try await expectLogged(.agentKey, key.prefix, "a revoked agent key")
        #expect(try await store.deleteBinding(groupID: group.id, provider: "openai"))
        try await expectLogged(.group, group.id, "a removed binding")
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: credential.id, createdAt: t0))
        mark = try await store.latestAccessChange()
        #expect(try await store.deleteCredential(id: credential.id))
        try await expectLogged(.credential, credential.id, "a deleted credential")
        #expect(try await store.deleteGroup(id: group.id))
        try await expectLogged(.group, group.id, "a deleted group")

        _ = try await store.insertDataKey(wrapped: { _, _ in Data([1, 2, 3]) }, activate: true, onlyIfEmpty: false)
        _ = try await store.insertDataKey(wrapped: { _, _ in Data([4, 5, 6]) }, activate: true, onlyIfEmpty: false)
        try await expectLogged(.everything, "", "a new active data key")
        #expect(try await store.rewrapDataKeys { _ in Data([7, 8, 9]) } == 2)
        try await expectLogged(.everything, "", "a master-key rotation")
    }

    static func accessChangesPageAndPrune(_ store: any Store) async throws {
        #expect(try await store.latestAccessChange() == 0, "an empty log")
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let credential = try await credential(store, owner: alice)
        for provider in ["a", "b", "c", "d", "e"] {
            try await store.putBinding(Binding(groupID: group.id, provider: provider, credentialID: credential.id, createdAt: t0))
        }
        let all = try await store.accessChanges(after: 0, limit: 100)
        #expect(all.count == 5 && all.allSatisfy { $0.kind == .group && $0.target == group.id })
        let latest = try await store.latestAccessChange()
        #expect(all.last?.id == latest)
        let firstTwo = try await store.accessChanges(after: 0, limit: 2)
        #expect(firstTwo == Array(all.prefix(2)))
        #expect(try await store.accessChanges(after: all[1].id, limit: 2) == Array(all[2..<4]))
        #expect(try await store.accessChanges(after: latest, limit: 10).isEmpty)
        #expect(try await store.pruneAccessChanges(through: all[2].id) == 3)
        #expect(try await store.accessChanges(after: 0, limit: 100) == Array(all.suffix(2)))
        #expect(try await store.latestAccessChange() == latest, "pruning keeps the log's end")
        try await store.putBinding(Binding(groupID: group.id, provider: "f", credentialID: credential.id, createdAt: t0))
        #expect(try await store.latestAccessChange() > latest, "ids are never reused")
    }
}
