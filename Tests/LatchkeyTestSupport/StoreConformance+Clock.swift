import Foundation
import LatchkeyCore
import Testing

extension StoreConformance {
    /// Checks that need the store's clock, to move it.
    static let clockedChecks: [(String, @Sendable (any Store, TestClock) async throws -> Void)] = [
        ("the times a store writes on its own come from its clock", storeClock),
    ]

    /// A store stamps `updated_at` and a data key's `created_at` itself: with its clock's time, never the system's, so
    /// a test that moves the clock sees every timestamp follow it.
    static func storeClock(_ store: any Store, _ clock: TestClock) async throws {
        clock.advance(1_000)
        let version = try await store.insertDataKey(wrapped: { v, _ in Data([UInt8(v)]) }, activate: true, onlyIfEmpty: false)
        #expect(try await store.dataKeys().first { $0.version == version }?.createdAt == clock.now)

        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice)
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: clock.now.addingTimeInterval(60), now: clock.now)
        clock.advance(30)
        #expect(try await store.failRefresh(credentialID: credential.id, owner: "A", status: .refreshFailing, reason: "HTTP 503", failures: 1, nextAttempt: nil))
        #expect(try await store.credential(id: credential.id)?.updatedAt == clock.now, "a failure write")

        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: clock.now.addingTimeInterval(60), now: clock.now)
        clock.advance(5)
        let refreshed = try await store.finishRefresh(update(credential.id, access: 5, refresh: nil), owner: "A")
        #expect(refreshed?.updatedAt == clock.now, "a token write")

        clock.advance(5)
        #expect(try await store.replaceTokens(update(credential.id, access: 6, refresh: 6), publicFields: [:]))
        #expect(try await store.credential(id: credential.id)?.updatedAt == clock.now, "a reconnect")
    }
}
