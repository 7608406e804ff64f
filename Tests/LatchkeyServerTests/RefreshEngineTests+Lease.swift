import Foundation
import LatchkeyCore
import LatchkeyTestSupport
import Logging
import Synchronization
import Testing
@testable import LatchkeyServer

/// A liveness oracle for tests: the holders named gone are gone, every other holder is alive.
struct NamedLiveness: LeaseLiveness {
    let gone: Set<LeaseHolder>
    func isGone(_ holder: LeaseHolder) -> Bool { gone.contains(holder) }
}

extension RefreshEngineTests {
    /// Another process's refresher over the runtime's database, with its own lease owner.
    func refresher(_ s: Setup, store: (any Store)? = nil, sealer: Sealer? = nil, holder: LeaseHolder = .thisProcess(),
                   liveness: any LeaseLiveness = ProcessLiveness()) -> Refresher {
        Refresher(store: store ?? s.runtime.store, catalog: s.runtime.catalog, sealer: sealer ?? s.runtime.sealer,
                  requester: TokenRequester(http: s.endpoint), clock: s.clock, leaseHolder: holder, liveness: liveness)
    }

    @Test(arguments: [FailingStore.Call.finishRefresh, .failRefresh, .dataKeys])
    func aStoreOrSealingFailureUnderTheLeaseGivesTheLeaseBackAtOnce(_ call: FailingStore.Call) async throws {
        let s = try await setup()
        let failing = FailingStore(s.runtime.store)
        let master = try MasterKeyLoader.load(s.runtime.configuration.masterKey, create: false, logger: Logger(label: "test"))
        let first = refresher(s, store: failing, sealer: Sealer(master: master, keyStore: failing, clock: s.clock))
        switch call {
        case .finishRefresh, .appendAudit:
            failing.failures.arm(call)
        case .failRefresh:
            // A transient error whose failure write fails.
            s.endpoint.answer { _, _ in ScriptedTokenEndpoint.json(503, "unavailable") }
            failing.failures.arm(call)
        case .dataKeys:
            // The new tokens cannot be sealed: the sealer's key reload (due after its TTL) fails.
            s.endpoint.answer { n, form in
                failing.failures.arm(.dataKeys)
                s.clock.advance(Sealer.activeKeyTTL + 1)
                return try await ScriptedTokenEndpoint.rotating(n, form)
            }
        }
        s.clock.advance(4000)
        await #expect(throws: FailingStore.Injected(call: call)) { _ = try await first.refreshNow(credentialID: s.credentialID) }
        #expect(s.endpoint.count == 1)

        // At the same instant, another process finds the lease free and refreshes (it would otherwise meet a held
        // lease and, not waiting at all, skip).
        s.endpoint.answer(with: ScriptedTokenEndpoint.rotating)
        let provider = try #require(s.runtime.catalog.provider("fakeoauth"))
        let outcome = try await refresher(s).refreshIfDue(credentialID: s.credentialID, provider: provider, within: nil, maxWait: 0)
        #expect(outcome == .refreshed)
        #expect(s.endpoint.count == 2)
        #expect(try await s.credential().status == .active)
    }

    @Test func aLeaseWhoseHolderIsGoneIsTakenOverAtOnceAndOnlyThen() async throws {
        let s = try await setup()
        let provider = try #require(s.runtime.catalog.provider("fakeoauth"))
        let dead = LeaseHolder(host: "web-1", pidNamespace: 4026531836, pid: 4242, startTicks: 777, nonce: "dead0001")
        s.clock.advance(4000)
        // The dead process took the lease and was killed before it wrote anything.
        let now = s.clock.now
        #expect(try await s.runtime.store.acquireRefreshLease(credentialID: s.credentialID, owner: dead.description,
                                                              until: now.addingTimeInterval(Refresher.leaseDuration), now: now) != nil)

        let unsure = refresher(s, liveness: NamedLiveness(gone: []))
        #expect(try await unsure.refreshIfDue(credentialID: s.credentialID, provider: provider, within: nil, maxWait: 0) == .skipped,
                "a holder not known to be gone keeps its lease")
        #expect(s.endpoint.count == 0)

        let survivor = refresher(s, liveness: NamedLiveness(gone: [dead]))
        #expect(try await survivor.refreshIfDue(credentialID: s.credentialID, provider: provider, within: nil, maxWait: 0) == .refreshed)
        #expect(s.endpoint.count == 1)
        #expect(try await s.accessToken(try await s.credential()) == "a0")
        #expect(try await s.runtime.store.refreshLeaseOwner(credentialID: s.credentialID) == nil)
    }

    @Test func manyRefreshersFindingOneHolderGoneRefreshOnce() async throws {
        let s = try await setup { n, _ in
            try await Task.sleep(for: .milliseconds(200))
            return try await ScriptedTokenEndpoint.rotating(n, [:])
        }
        let provider = try #require(s.runtime.catalog.provider("fakeoauth"))
        let dead = LeaseHolder(host: "web-1", pidNamespace: 4026531836, pid: 4242, startTicks: 777, nonce: "dead0001")
        s.clock.advance(4000)
        let now = s.clock.now
        _ = try await s.runtime.store.acquireRefreshLease(credentialID: s.credentialID, owner: dead.description,
                                                          until: now.addingTimeInterval(Refresher.leaseDuration), now: now)
        let survivors = (0..<6).map { _ in refresher(s, liveness: NamedLiveness(gone: [dead])) }
        let outcomes = try await withThrowingTaskGroup(of: RefreshOutcome.self) { group in
            for survivor in survivors {
                group.addTask { try await survivor.refreshIfDue(credentialID: s.credentialID, provider: provider, within: nil, maxWait: 0) }
            }
            return try await group.reduce(into: [RefreshOutcome]()) { $0.append($1) }
        }
        #expect(s.endpoint.count == 1, "one taker wins; the others meet its lease")
        #expect(outcomes.filter { $0 == .refreshed }.count == 1)
    }
}
