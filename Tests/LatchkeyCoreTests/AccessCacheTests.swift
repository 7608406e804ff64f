import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct AccessCacheTests {
    let catalog: Catalog

    init() throws {
        catalog = try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-valid"), strict: true)])
    }

    func resolution(_ providerID: String, status: CredentialStatus = .active) throws -> ResolvedCredential {
        let provider = try #require(catalog.provider(providerID))
        let credential = Credential(id: "cred-1", ownerID: "user-1", provider: providerID, name: "c", authMode: provider.authMode, status: status, createdAt: Date(), updatedAt: Date())
        return ResolvedCredential(provider: provider, credential: credential, values: ["api_key": "k"], group: AgentGroup(id: "grp_1", ownerID: "usr_1", name: "bots", createdAt: Date()), policy: nil)
    }

    let hash = SecretToken.hash("lka_presented")

    @Test func aRememberedStaticResolutionIsFoundOnlyWithTheSameKeyHash() throws {
        let cache = AccessCache(ttl: .seconds(5))
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather")?.credential.id == "cred-1")
        #expect(cache.lookup(prefix: "p", hash: SecretToken.hash("lka_other"), provider: "weather") == nil)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "desk") == nil)
        #expect(cache.lookup(prefix: "q", hash: hash, provider: "weather") == nil)
    }

    @Test func entriesExpire() async throws {
        let cache = AccessCache(ttl: .milliseconds(50))
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") != nil)
        try await Task.sleep(for: .milliseconds(120))
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") == nil)
    }

    @Test func expiredEntriesLeaveMemoryAtTheNextMiss() async throws {
        let cache = AccessCache(ttl: .milliseconds(50))
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
        try await Task.sleep(for: .milliseconds(120))
        cache.remember(prefix: "q", hash: hash, provider: "desk", resolved: try resolution("desk"), readSince: cache.generation)
        #expect(cache.count == 1)
    }

    @Test func inactiveCredentialsAreNeverRemembered() throws {
        let cache = AccessCache(ttl: .seconds(5))
        cache.remember(prefix: "p", hash: hash, provider: "base-oauth", resolved: try resolution("base-oauth", status: .refreshFailing), readSince: cache.generation)
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather", status: .needsReauth), readSince: cache.generation)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "base-oauth") == nil)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") == nil)
    }

    @Test func invalidatingOneCredentialForgetsEveryKeyHoldingItAndNothingElse() throws {
        let cache = AccessCache(ttl: .seconds(5))
        let oauth = try resolution("base-oauth")
        cache.remember(prefix: "p", hash: hash, provider: "base-oauth", resolved: oauth, readSince: cache.generation)
        cache.remember(prefix: "q", hash: hash, provider: "base-oauth", resolved: oauth, readSince: cache.generation)
        let other = try resolution("weather").with(credential: Credential(id: "cred-2", ownerID: "user-1", provider: "weather", name: "w", authMode: .apiKey,
                                                                         createdAt: Date(), updatedAt: Date()), values: ["api_key": "k"])
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: other, readSince: cache.generation)
        let before = cache.generation
        cache.invalidate(credentialID: "cred-1")
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "base-oauth") == nil)
        #expect(cache.lookup(prefix: "q", hash: hash, provider: "base-oauth") == nil)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather")?.credential.id == "cred-2")
        // A resolution read before the invalidation is not remembered after it.
        cache.remember(prefix: "p", hash: hash, provider: "base-oauth", resolved: oauth, readSince: before)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "base-oauth") == nil)
    }

    @Test func theCacheHoldsAtMostItsBound() throws {
        let cache = AccessCache(ttl: .seconds(5), maxEntries: 3)
        for index in 0..<7 {
            cache.remember(prefix: "p\(index)", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
            #expect(cache.count <= 3)
        }
        #expect(cache.lookup(prefix: "p6", hash: hash, provider: "weather") != nil, "the newest entry is kept")
    }

    @Test func aResolutionReadBeforeAnInvalidationIsNotRemembered() throws {
        let cache = AccessCache(ttl: .seconds(5))
        let before = cache.generation
        cache.invalidateAll()  // a change committed while the resolution was being read
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: before)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") == nil)
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") != nil)
        cache.invalidateAll()
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") == nil)
    }

    @Test func aZeroTTLTurnsTheCacheOff() throws {
        let cache = AccessCache(ttl: .zero)
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
        #expect(cache.lookup(prefix: "p", hash: hash, provider: "weather") == nil)
    }

    @Test func aKeyIsHeldAfterAnyRememberedResolutionOfItUntilAnInvalidation() throws {
        let cache = AccessCache(ttl: .seconds(5))
        #expect(!cache.holdsKey(prefix: "p", hash: hash))
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: cache.generation)
        #expect(cache.holdsKey(prefix: "p", hash: hash))
        #expect(!cache.holdsKey(prefix: "p", hash: SecretToken.hash("lka_other")))
        #expect(!cache.holdsKey(prefix: "q", hash: hash))
        cache.invalidateAll()
        #expect(!cache.holdsKey(prefix: "p", hash: hash))
        // Neither OAuth resolutions (never remembered) nor one an invalidation overtook make a key held.
        let before = cache.generation
        cache.remember(prefix: "p", hash: hash, provider: "base-oauth", resolved: try resolution("base-oauth"), readSince: cache.generation)
        cache.invalidateAll()
        cache.remember(prefix: "p", hash: hash, provider: "weather", resolved: try resolution("weather"), readSince: before)
        #expect(!cache.holdsKey(prefix: "p", hash: hash))
    }
}
