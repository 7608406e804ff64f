import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    static let webhookChecks: [(String, @Sendable (any Store) async throws -> Void)] = [
        ("webhook endpoints round-trip with their sealed secret and are seen by their owner", webhookEndpoints),
        ("an audit event enqueues a delivery for each subscribed endpoint of its owner and for all users", webhookEnqueue),
        ("webhook deliveries are claimed one holder at a time, oldest first per ordering key", webhookClaimOrder),
        ("a webhook lease that ran out is taken over and the old holder's result is discarded", webhookLeaseTakeover),
        ("webhook deliveries page newest first and go with their endpoint", webhookDeliveryPages),
    ]

    static func webhookEndpoint(_ store: any Store, owner: User?, events: [WebhookEventType], byte: UInt8 = 5) async throws -> WebhookEndpoint {
        let endpoint = WebhookEndpoint(id: Identifier.make("whe"), ownerID: owner?.id, url: "https://hooks.example/\(byte)", events: events.map(\.rawValue),
                                       secret: sealed(1, byte), createdAt: t0.addingTimeInterval(Double(byte)))
        try await store.createWebhookEndpoint(endpoint)
        return endpoint
    }

    static func auditWebhookEvent(_ store: any Store, owner: User, action: String, target: String, type: String = "credential", at seconds: Double = 0) async throws {
        try await store.appendAudit(AuditEvent(id: Identifier.make("evt"), ownerID: owner.id, actor: "system", action: action, targetType: type, targetID: target,
                                               detail: ["provider": "openai", "name": "my secret-looking name"], createdAt: t0.addingTimeInterval(seconds)))
    }

    static func webhookEndpoints(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let bob = try await user(store, "bob@example.com")
        let own = try await webhookEndpoint(store, owner: alice, events: [.credentialConnected, .credentialDeleted], byte: 1)
        let everyone = try await webhookEndpoint(store, owner: nil, events: [.budgetExceeded], byte: 2)
        #expect(try await store.webhookEndpoint(id: own.id) == own)
        #expect(try await store.webhookEndpoint(id: everyone.id)?.ownerID == nil)
        #expect(try await store.webhookEndpoints(ownerID: alice.id, includeAllUsers: false) == [own])
        #expect(try await store.webhookEndpoints(ownerID: alice.id, includeAllUsers: true).map(\.id) == [own.id, everyone.id])
        #expect(try await store.webhookEndpoints(ownerID: bob.id, includeAllUsers: false).isEmpty)
        // The secret is a sealed value like any other: `keys rotate` finds it.
        #expect(try await store.sealedValues(notUnder: 99, limit: 100).contains { $0.recordID == own.id && $0.field == WebhookEndpoint.secretField })
        #expect(try await store.deleteWebhookEndpoint(id: own.id))
        #expect(try await store.webhookEndpoint(id: own.id) == nil)
        #expect(try await !store.deleteWebhookEndpoint(id: own.id))
        #expect(try await !store.sealedValues(notUnder: 99, limit: 100).contains { $0.recordID == own.id }, "the secret goes with its endpoint")
    }

    static func webhookEnqueue(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let bob = try await user(store, "bob@example.com")
        let subscribed = try await webhookEndpoint(store, owner: alice, events: [.credentialConnected], byte: 1)
        let other = try await webhookEndpoint(store, owner: alice, events: [.credentialDeleted], byte: 2)
        let everyone = try await webhookEndpoint(store, owner: nil, events: [.credentialConnected, .credentialDeleted], byte: 3)
        let bobs = try await webhookEndpoint(store, owner: bob, events: [.credentialConnected], byte: 4)
        try await auditWebhookEvent(store, owner: alice, action: "credential.created", target: "crd_1")
        try await auditWebhookEvent(store, owner: alice, action: "credential.updated", target: "crd_1", at: 1)
        func deliveries(_ endpoint: WebhookEndpoint) async throws -> [WebhookDelivery] {
            try await store.webhookDeliveries(endpointID: endpoint.id, after: nil, limit: 10)
        }
        let sent = try await deliveries(subscribed)
        #expect(sent.map(\.event) == ["credential.connected"], "an API-key credential created is connected; an update is no event")
        #expect(try await deliveries(everyone).map(\.event) == ["credential.connected"])
        #expect(try await deliveries(other).isEmpty, "not subscribed to it")
        #expect(try await deliveries(bobs).isEmpty, "another user's event")
        let delivery = try #require(sent.first)
        #expect(delivery.status == .pending && delivery.attempts == 0 && delivery.orderingKey == "crd_1" && delivery.nextAttemptAt == t0)
        #expect(delivery.id.hasPrefix("msg_"))
        #expect(try await deliveries(everyone).first?.id != delivery.id, "each endpoint's delivery has its own id")
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(delivery.payload.utf8)) as? [String: Any])
        #expect(payload["type"] as? String == "credential.connected")
        let data = try #require(payload["data"] as? [String: String])
        #expect(data == ["credential_id": "crd_1", "provider": "openai", "status": "active", "user_id": alice.id], "ids and a status only, no name")
    }

    static func webhookClaimOrder(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let hook = try await webhookEndpoint(store, owner: alice, events: [.credentialNeedsReauth, .credentialReconnected, .credentialDeleted])
        try await auditWebhookEvent(store, owner: alice, action: "credential.needs_reauth", target: "crd_1")
        try await auditWebhookEvent(store, owner: alice, action: "credential.reconnected", target: "crd_1", at: 1)
        try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_1", at: 2)
        try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_2", at: 3)
        let until = t0.addingTimeInterval(60)
        let first = try await store.claimWebhookDeliveries(owner: "A", until: until, now: t0.addingTimeInterval(5), limit: 10)
        #expect(Set(first.map(\.event)) == ["credential.needs_reauth", "credential.deleted"], "only the oldest of each credential")
        #expect(Set(first.map(\.orderingKey)) == ["crd_1", "crd_2"])
        #expect(first.allSatisfy { $0.attempts == 1 })
        #expect(try await store.claimWebhookDeliveries(owner: "B", until: until, now: t0.addingTimeInterval(5), limit: 10).isEmpty,
                "held deliveries and those queued behind them are nobody else's")
        let head = try #require(first.first { $0.orderingKey == "crd_1" })
        let retryAt = t0.addingTimeInterval(20)
        #expect(try await store.finishWebhookDelivery(id: head.id, owner: "A", WebhookAttempt(status: .pending, httpStatus: 500, error: "HTTP 500", nextAttemptAt: retryAt, at: t0.addingTimeInterval(6))))
        #expect(try await store.claimWebhookDeliveries(owner: "B", until: until, now: t0.addingTimeInterval(10), limit: 10).isEmpty,
                "a retry waits for its time and the later events of its credential wait for it")
        let retried = try await store.claimWebhookDeliveries(owner: "B", until: until, now: retryAt, limit: 10)
        #expect(retried.map(\.id) == [head.id])
        #expect(retried.first?.attempts == 2 && retried.first?.lastStatus == 500)
        #expect(try await store.finishWebhookDelivery(id: head.id, owner: "B", WebhookAttempt(status: .delivered, httpStatus: 204, error: nil, nextAttemptAt: nil, at: retryAt)))
        let next = try await store.claimWebhookDeliveries(owner: "B", until: until, now: retryAt, limit: 10)
        #expect(next.map(\.event) == ["credential.reconnected"], "the next event of the credential once the first is delivered")
        #expect(try await store.finishWebhookDelivery(id: next[0].id, owner: "B", WebhookAttempt(status: .failed, httpStatus: nil, error: "timeout", nextAttemptAt: nil, at: retryAt)))
        #expect(try await store.claimWebhookDeliveries(owner: "B", until: until, now: retryAt, limit: 10).map(\.event) == ["credential.deleted"],
                "a given-up delivery no longer holds the next back")
        let log = try await store.webhookDeliveries(endpointID: hook.id, after: nil, limit: 10)
        #expect(log.first { $0.id == head.id }?.status == .delivered)
        #expect(log.first { $0.id == head.id }?.deliveredAt == retryAt)
        #expect(log.first { $0.id == next[0].id }?.status == .failed)
    }

    static func webhookLeaseTakeover(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        _ = try await webhookEndpoint(store, owner: alice, events: [.credentialDeleted])
        try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_1")
        let claimed = try await store.claimWebhookDeliveries(owner: "A", until: t0.addingTimeInterval(30), now: t0, limit: 10)
        #expect(claimed.count == 1)
        #expect(try await store.claimWebhookDeliveries(owner: "B", until: t0.addingTimeInterval(60), now: t0.addingTimeInterval(29), limit: 10).isEmpty)
        let taken = try await store.claimWebhookDeliveries(owner: "B", until: t0.addingTimeInterval(90), now: t0.addingTimeInterval(31), limit: 10)
        #expect(taken.map(\.id) == claimed.map(\.id), "a holder that died is replaced once its lease runs out")
        #expect(taken.first?.attempts == 2)
        let delivered = WebhookAttempt(status: .delivered, httpStatus: 200, error: nil, nextAttemptAt: nil, at: t0.addingTimeInterval(32))
        #expect(try await !store.finishWebhookDelivery(id: claimed[0].id, owner: "A", delivered), "A no longer holds it")
        #expect(try await store.finishWebhookDelivery(id: claimed[0].id, owner: "B", delivered))
        #expect(try await store.claimWebhookDeliveries(owner: "C", until: t0.addingTimeInterval(200), now: t0.addingTimeInterval(100), limit: 10).isEmpty,
                "a delivered delivery is never sent again")
    }

    static func webhookDeliveryPages(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let hook = try await webhookEndpoint(store, owner: alice, events: [.credentialDeleted])
        for index in 0..<5 { try await auditWebhookEvent(store, owner: alice, action: "credential.deleted", target: "crd_\(index)", at: Double(index)) }
        let firstPage = try await store.webhookDeliveries(endpointID: hook.id, after: nil, limit: 3)
        #expect(firstPage.map(\.orderingKey) == ["crd_4", "crd_3", "crd_2"])
        let rest = try await store.webhookDeliveries(endpointID: hook.id, after: firstPage.last?.id, limit: 3)
        #expect(rest.map(\.orderingKey) == ["crd_1", "crd_0"])
        #expect(try await store.webhookDelivery(id: rest[0].id, endpointID: hook.id) == rest[0])
        #expect(try await store.webhookDelivery(id: rest[0].id, endpointID: "whe_other") == nil)
        // Retention: settled deliveries of old events go, pending ones stay whatever their age.
        let settled = try await store.claimWebhookDeliveries(owner: "A", until: t0.addingTimeInterval(60), now: t0.addingTimeInterval(10), limit: 2)
        #expect(settled.count == 2)
        for delivery in settled {
            #expect(try await store.finishWebhookDelivery(id: delivery.id, owner: "A", WebhookAttempt(status: .delivered, httpStatus: 200, error: nil, nextAttemptAt: nil, at: t0)))
        }
        #expect(try await store.deleteSettledWebhookDeliveries(createdBefore: t0.addingTimeInterval(100)) == 2)
        #expect(try await store.webhookDeliveries(endpointID: hook.id, after: nil, limit: 10).count == 3)
        #expect(try await store.deleteWebhookEndpoint(id: hook.id))
        #expect(try await store.webhookDeliveries(endpointID: hook.id, after: nil, limit: 10).isEmpty)
        #expect(try await store.claimWebhookDeliveries(owner: "A", until: t0.addingTimeInterval(60), now: t0.addingTimeInterval(10), limit: 10).isEmpty)
    }
}
