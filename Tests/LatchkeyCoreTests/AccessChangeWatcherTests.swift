import Foundation
import Synchronization
import Testing
@testable import LatchkeyCore

/// A change log whose rows become visible when the test says, in any order: PostgreSQL's late commits.
final class ScriptedChangeLog: AccessChangeStore {
    let visible = Mutex<[AccessChange]>([])

    func show(_ change: AccessChange) { visible.withLock { $0 = ($0 + [change]).sorted { $0.id < $1.id } } }
    func latestAccessChange() async throws -> Int64 { visible.withLock { $0.map(\.id).max() ?? 0 } }
    func accessChanges(after: Int64, limit: Int) async throws -> [AccessChange] {
        visible.withLock { Array($0.filter { $0.id > after }.prefix(limit)) }
    }
    func pruneAccessChanges(through: Int64) async throws -> Int {
        visible.withLock { rows in
            let before = rows.count
            rows.removeAll { $0.id <= through }
            return before - rows.count
        }
    }
}

@Suite struct AccessChangeWatcherTests {
    let hash = SecretToken.hash("lka_presented")

    func resolution(credential: String = "crd_1", group: String = "grp_1") throws -> ResolvedCredential {
        let catalog = try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-valid"), strict: true)])
        let provider = try #require(catalog.provider("weather"))
        let stored = Credential(id: credential, ownerID: "usr_1", provider: "weather", name: "c", authMode: provider.authMode, createdAt: Date(), updatedAt: Date())
        return ResolvedCredential(provider: provider, credential: stored, values: ["api_key": "k"],
                                  group: AgentGroup(id: group, ownerID: "usr_1", name: "bots", createdAt: Date()), policy: nil)
    }

    func remember(_ cache: AccessCache, _ prefix: String, credential: String = "crd_1", group: String = "grp_1") throws {
        cache.remember(prefix: prefix, hash: hash, provider: "weather", resolved: try resolution(credential: credential, group: group), readSince: cache.generation)
    }

    func held(_ cache: AccessCache, _ prefix: String) -> Bool { cache.lookup(prefix: prefix, hash: hash, provider: "weather") != nil }

    @Test func aWatchedCacheAnswersOnlyAfterAPollAndForgetsWhatTheLogNames() async throws {
        let log = ScriptedChangeLog()
        let cache = AccessCache(ttl: .seconds(600), confirmedByPolls: true)
        let watcher = AccessChangeWatcher(store: log, cache: cache, interval: .seconds(60))
        try remember(cache, "p")
        #expect(!held(cache, "p"), "nothing answers before the change log was read")
        try await watcher.poll()
        try remember(cache, "p", credential: "crd_1")
        try remember(cache, "q", credential: "crd_2", group: "grp_2")
        try remember(cache, "r", credential: "crd_3", group: "grp_3")
        #expect(held(cache, "p") && held(cache, "q") && held(cache, "r"))
        log.show(AccessChange(id: 1, kind: .agentKey, target: "p"))
        #expect(held(cache, "p"), "another server's change is not seen before the next poll")
        try await watcher.poll()
        #expect(!held(cache, "p") && held(cache, "q") && held(cache, "r"), "a revoked key goes, and only it")
        log.show(AccessChange(id: 2, kind: .credential, target: "crd_2"))
        log.show(AccessChange(id: 3, kind: .group, target: "grp_3"))
        try await watcher.poll()
        #expect(!held(cache, "q") && !held(cache, "r"))
        try remember(cache, "q", credential: "crd_2", group: "grp_2")
        log.show(AccessChange(id: 4, kind: .everything, target: ""))
        try await watcher.poll()
        #expect(cache.count == 0)
    }

    @Test func aChangeCommittedLateBelowOneAlreadyReadIsStillApplied() async throws {
        let log = ScriptedChangeLog()
        let cache = AccessCache(ttl: .seconds(600), confirmedByPolls: true)
        let watcher = AccessChangeWatcher(store: log, cache: cache, interval: .seconds(60))
        try await watcher.poll()
        try remember(cache, "p")
        // Id 1 was drawn first but commits after id 2 is visible.
        log.show(AccessChange(id: 2, kind: .agentKey, target: "other"))
        try await watcher.poll()
        #expect(held(cache, "p"))
        log.show(AccessChange(id: 1, kind: .agentKey, target: "p"))
        try await watcher.poll()
        #expect(!held(cache, "p"), "the gap at id 1 was watched and the late change applied")
    }

    @Test func aChangeCommittedLateAroundARestartIsStillApplied() async throws {
        let log = ScriptedChangeLog()
        log.show(AccessChange(id: 1, kind: .group, target: "g"))
        log.show(AccessChange(id: 3, kind: .group, target: "g"))
        let cache = AccessCache(ttl: .seconds(600), confirmedByPolls: true)
        let watcher = AccessChangeWatcher(store: log, cache: cache, interval: .seconds(60))
        try await watcher.poll()
        try remember(cache, "p")
        log.show(AccessChange(id: 2, kind: .agentKey, target: "p"))
        try await watcher.poll()
        #expect(!held(cache, "p"))
    }

    @Test func aWatcherThatFallsTooFarBehindForgetsEverything() async throws {
        let log = ScriptedChangeLog()
        let cache = AccessCache(ttl: .seconds(600), confirmedByPolls: true)
        let watcher = AccessChangeWatcher(store: log, cache: cache, interval: .seconds(60), pageSize: 2, maxPages: 2)
        try await watcher.poll()
        try remember(cache, "p")
        for id in 1...5 { log.show(AccessChange(id: Int64(id), kind: .agentKey, target: "k\(id)")) }
        try await watcher.poll()
        #expect(cache.count == 0, "more changes than a poll reads: everything goes")
        try remember(cache, "p")
        log.show(AccessChange(id: 6, kind: .agentKey, target: "k6"))
        try await watcher.poll()
        #expect(held(cache, "p"), "and the next poll goes on from the log's end")
    }

    @Test func aLapsedConfirmationStopsTheCacheAnswering() async throws {
        let log = ScriptedChangeLog()
        let cache = AccessCache(ttl: .seconds(600), confirmedByPolls: true)
        let watcher = AccessChangeWatcher(store: log, cache: cache, interval: .milliseconds(1))
        try await watcher.poll()
        try remember(cache, "p")
        cache.confirm(until: .now - .seconds(1))
        #expect(!held(cache, "p"), "a watcher that stopped polling stops the cache")
    }

    @Test func theMemoryStoreLogsARevokedKeyThatTheWatcherThenForgets() async throws {
        let store = MemoryStore()
        let user = User(id: "usr_1", email: "a@example.com", passwordHash: "x", role: .member, createdAt: Date())
        try await store.createUser(user)
        try await store.createGroup(AgentGroup(id: "grp_1", ownerID: user.id, name: "bots", createdAt: Date()))
        try await store.createAgentKey(AgentKey(id: "key_1", groupID: "grp_1", prefix: "p", hash: Data([1]), createdAt: Date()))
        let cache = AccessCache(ttl: .seconds(600), confirmedByPolls: true)
        let watcher = AccessChangeWatcher(store: store, cache: cache, interval: .seconds(60))
        try await watcher.poll()
        try remember(cache, "p")
        #expect(try await store.deleteAgentKey(id: "key_1", groupID: "grp_1"))
        #expect(held(cache, "p"))
        try await watcher.poll()
        #expect(!held(cache, "p"))
    }
}
