import Foundation
import LatchkeyCore
@testable import LatchkeyPostgres
import Testing

extension PostgresConcurrencyTests {
    /// What the racing senders saw, in one place.
    actor Ledger {
        var claims: [String: Int] = [:]
        var settled: Set<String> = []
        var overtaken: [String] = []

        /// Records a claim; a claim of an event whose predecessor (same key) is not settled yet overtook it.
        func claimed(_ delivery: WebhookDelivery, order: [String]) {
            claims[delivery.id, default: 0] += 1
            if let index = order.firstIndex(of: delivery.event), index > 0, !settled.contains("\(delivery.orderingKey) \(order[index - 1])") {
                overtaken.append("\(delivery.orderingKey) \(delivery.event)")
            }
        }

        func settle(_ delivery: WebhookDelivery) { settled.insert("\(delivery.orderingKey) \(delivery.event)") }
    }

    @Test func racingSendersHoldEachDeliveryOnceAndKeepTheOrderPerCredential() async throws {
        let order = ["credential.connected", "credential.needs_reauth", "credential.deleted"]
        try await withStores(4) { stores in
            let owner = User(id: Identifier.make("usr"), email: "hooks@example.com", passwordHash: "$2b$x", role: .member, createdAt: Self.t0)
            try await stores[0].createUser(owner)
            try await stores[0].createWebhookEndpoint(WebhookEndpoint(id: "whe_1", ownerID: owner.id, url: "https://hooks.example/", events: order,
                                                                      secret: SealedValue(bytes: Data([1, 0, 0, 0, 1, 7])), createdAt: Self.t0))
            let credentials = (0..<15).map { "crd_\($0)" }
            for (step, action) in ["credential.created", "credential.needs_reauth", "credential.deleted"].enumerated() {
                for (index, credential) in credentials.enumerated() {
                    try await stores[index % stores.count].appendAudit(AuditEvent(
                        id: Identifier.make("evt"), ownerID: owner.id, actor: "system", action: action, targetType: "credential", targetID: credential,
                        createdAt: Self.t0.addingTimeInterval(Double(step))))
                }
            }
            let ledger = Ledger()
            let now = Self.t0.addingTimeInterval(10)
            // Every store runs three senders that claim, settle and claim again until nothing is left.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in stores.enumerated() {
                    for sender in 0..<3 {
                        group.addTask {
                            var idle = 0
                            while idle < 3 {
                                let claimed = try await store.claimWebhookDeliveries(owner: "s\(index)-\(sender)", until: now.addingTimeInterval(600), now: now, limit: 4)
                                idle = claimed.isEmpty ? idle + 1 : 0
                                for delivery in claimed {
                                    await ledger.claimed(delivery, order: order)
                                    await ledger.settle(delivery)
                                    #expect(try await store.finishWebhookDelivery(id: delivery.id, owner: "s\(index)-\(sender)",
                                                                                  WebhookAttempt(status: .delivered, httpStatus: 200, error: nil, nextAttemptAt: nil, at: now)))
                                }
                                if claimed.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let claims = await ledger.claims
            #expect(claims.count == credentials.count * order.count, "every delivery was sent")
            #expect(claims.values.allSatisfy { $0 == 1 }, "no delivery was held by two senders")
            #expect(await ledger.overtaken.isEmpty, "no event was claimed before its credential's earlier one was settled")
            #expect(try await stores[0].webhookDeliveries(endpointID: "whe_1", after: nil, limit: 100).allSatisfy { $0.status == .delivered })
        }
    }
}
