import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    static let webhookSwitchChecks: [(String, @Sendable (any Store) async throws -> Void)] = [
        ("a webhook endpoint's url, events and switch change; its owner and secret stay", webhookUpdate),
        ("a disabled webhook endpoint gets no new deliveries and its pending ones wait, in order, until it is enabled", webhookDisabledWaits),
    ]

    static func webhookUpdate(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        var hook = try await webhookEndpoint(store, owner: alice, events: [.credentialDeleted], byte: 1)
        let original = hook
        hook.url = "https://hooks.example/changed"
        hook.events = [WebhookEventType.credentialConnected.rawValue, WebhookEventType.credentialDeleted.rawValue]
        hook.enabled = false
        hook.ownerID = nil
        hook.secret = sealed(1, 9)
        #expect(try await store.updateWebhookEndpoint(hook))
        let stored = try #require(try await store.webhookEndpoint(id: hook.id))
        #expect(stored.url == hook.url && stored.events == hook.events && stored.enabled == false)
        #expect(stored.ownerID == alice.id && stored.secret == original.secret && stored.createdAt == original.createdAt, "only url, events and enabled change")
        hook.enabled = true
        #expect(try await store.updateWebhookEndpoint(hook))
        #expect(try await store.webhookEndpoint(id: hook.id)?.enabled == true)
        var missing = hook
        missing.id = "whe_missing"
        #expect(try await !store.updateWebhookEndpoint(missing))
        #expect(try await store.webhookEndpoint(id: "whe_missing") == nil, "an update creates nothing")
    }

    static func webhookDisabledWaits(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        var hook = try await webhookEndpoint(store, owner: alice, events: [.credentialDeleted], byte: 1)
        let other = try await webhookEndpoint(store, owner: alice, events: [.credentialDeleted], byte: 2)
        try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_1")
        try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_2", at: 1)
        hook.enabled = false
        #expect(try await store.updateWebhookEndpoint(hook))
        try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_3", at: 2)
        let until = t0.addingTimeInterval(60)
        let claimed = try await store.claimWebhookDeliveries(owner: "A", until: until, now: t0.addingTimeInterval(5), limit: 10)
        #expect(claimed.allSatisfy { $0.endpointID == other.id } && claimed.count == 3, "the enabled endpoint's deliveries go on")
        let waiting = try await store.webhookDeliveries(endpointID: hook.id, after: nil, limit: 10)
        #expect(waiting.map(\.orderingKey) == ["crd_2", "crd_1"], "no delivery for an event while disabled")
        #expect(waiting.allSatisfy { $0.status == .pending && $0.attempts == 0 }, "pending ones wait, untouched")
        hook.enabled = true
        #expect(try await store.updateWebhookEndpoint(hook))
        let resumed = try await store.claimWebhookDeliveries(owner: "A", until: until, now: t0.addingTimeInterval(6), limit: 10)
        #expect(resumed.map(\.orderingKey) == ["crd_1", "crd_2"], "enabled again, the waiting deliveries go, oldest first")
        #expect(resumed.allSatisfy { $0.endpointID == hook.id && $0.attempts == 1 })
    }
}
