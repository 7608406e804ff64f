import Foundation
import LatchkeyCore
import LatchkeyServer
import Testing

/// Two servers on one database, each with a long-lived access cache watched through the change log: a change made
/// on one is seen by the other at its next poll, not when its entries expire.
@Suite struct AccessChangeClusterTests {
    /// A user, a static credential bound to a group with one key, made on `a`; both servers polled once.
    func setUp() async throws -> (a: TestEnvironment, b: TestEnvironment, owner: User, group: AgentGroup, key: CreatedAgentKey, credentialID: String) {
        let a = try await TestEnvironment(accessCacheMilliseconds: 1000, accessCacheLifetimeMilliseconds: 600_000)
        let b = try await TestEnvironment(accessCacheMilliseconds: 1000, accessCacheLifetimeMilliseconds: 600_000, sharing: a)
        let owner = try await a.runtime.users.add(email: "owner@example.com", password: "correct horse battery", role: .member)
        let credential = try await a.runtime.credentials.create(owner: owner, provider: "echo", name: "main", fields: ["api_key": "first"])
        let group = try await a.runtime.groups.create(owner: owner, name: "bots")
        let key = try await a.runtime.groups.createKey(owner: owner, groupID: group.id)
        _ = try await a.runtime.groups.bind(owner: owner, groupID: group.id, provider: "echo", credentialID: credential.id)
        for env in [a, b] { try await #require(env.runtime.accessChanges).poll() }
        return (a, b, owner, group, key, credential.id)
    }

    @Test func aKeyRevokedOnOneServerStopsWorkingOnTheOtherAtItsNextPoll() async throws {
        let (a, b, owner, group, key, _) = try await setUp()
        let watcher = try #require(b.runtime.accessChanges)
        #expect(try await b.runtime.agents.access(bearer: key.key, providerID: "echo").values["api_key"] == "first")
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") != nil, "b remembers the resolution")
        try await a.runtime.groups.deleteKey(owner: owner, groupID: group.id, keyID: key.record.id)
        // As if b had just polled (before the change): on a loaded machine its last poll may have lapsed by now.
        b.runtime.agents.cache.confirm(until: .now + .seconds(600))
        // The attack: b's entry lives ten minutes; until b polls, its cache still holds the key.
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") != nil, "not before the poll")
        try await watcher.poll()
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") == nil, "after one poll, long before the entry's lifetime")
        await #expect(throws: LatchkeyError.self) { try await b.runtime.agents.access(bearer: key.key, providerID: "echo") }
    }

    @Test func aCredentialChangedOrDeletedOnOneServerIsSeenByTheOtherAtItsNextPoll() async throws {
        let (a, b, owner, _, key, credentialID) = try await setUp()
        let watcher = try #require(b.runtime.accessChanges)
        #expect(try await b.runtime.agents.access(bearer: key.key, providerID: "echo").values["api_key"] == "first")
        _ = try await a.runtime.credentials.update(owner: owner, id: credentialID, name: nil, fields: ["api_key": "second"])
        b.runtime.agents.cache.confirm(until: .now + .seconds(600))  // as if b had just polled, before the change
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo")?.values["api_key"] == "first", "not before the poll")
        try await watcher.poll()
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") == nil)
        #expect(try await b.runtime.agents.access(bearer: key.key, providerID: "echo").values["api_key"] == "second")
        try await a.runtime.credentials.delete(owner: owner, id: credentialID)
        try await watcher.poll()
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") == nil)
        await #expect(throws: LatchkeyError.self) { try await b.runtime.agents.access(bearer: key.key, providerID: "echo") }
    }

    @Test func aServerWhosePollsStopStopsAnsweringFromItsCache() async throws {
        let (_, b, _, _, key, _) = try await setUp()
        _ = try await b.runtime.agents.access(bearer: key.key, providerID: "echo")
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") != nil)
        b.runtime.agents.cache.confirm(until: .now)
        #expect(b.runtime.agents.cachedAccess(bearer: key.key, providerID: "echo") == nil, "no poll lately: every call reads the database")
    }
}
