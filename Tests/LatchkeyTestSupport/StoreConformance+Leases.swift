import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    static func leaseTakeOver(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice)
        #expect(try await store.refreshLeaseOwner(credentialID: credential.id) == nil)
        #expect(try await store.refreshLeaseOwner(credentialID: "crd_missing") == nil)
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.refreshLeaseOwner(credentialID: credential.id) == "A")
        let now = t0.addingTimeInterval(1)
        #expect(try await store.takeOverRefreshLease(credentialID: credential.id, deadOwner: "Z", owner: "B", until: now.addingTimeInterval(60), now: now) == nil,
                "naming another holder than the one that holds the lease takes nothing")
        // Two processes find A gone at the same moment: exactly one takes over.
        let winners = try await withThrowingTaskGroup(of: String?.self) { group in
            for taker in ["B", "C"] {
                group.addTask {
                    try await store.takeOverRefreshLease(credentialID: credential.id, deadOwner: "A", owner: taker, until: now.addingTimeInterval(60), now: now) == nil ? nil : taker
                }
            }
            return try await group.reduce(into: [String]()) { if let taker = $1 { $0.append(taker) } }
        }
        #expect(winners.count == 1)
        let winner = try #require(winners.first)
        #expect(try await store.refreshLeaseOwner(credentialID: credential.id) == winner)
        #expect(try await store.finishRefresh(update(credential.id, access: 9, refresh: 9), owner: "A") == nil, "the dead holder's write is fenced off")
        #expect(try await store.finishRefresh(update(credential.id, access: 5, refresh: 5), owner: winner) != nil)
        #expect(try await store.refreshLeaseOwner(credentialID: credential.id) == nil, "the token write released the lease")
        #expect(try await store.takeOverRefreshLease(credentialID: credential.id, deadOwner: "A", owner: "D", until: now.addingTimeInterval(60), now: now) != nil,
                "a free lease is simply taken")
        let later = now.addingTimeInterval(61)
        #expect(try await store.takeOverRefreshLease(credentialID: credential.id, deadOwner: "Z", owner: "E", until: later.addingTimeInterval(60), now: later) != nil,
                "so is an expired one")
        #expect(try await store.refreshLeaseOwner(credentialID: credential.id) == "E")
    }
}
