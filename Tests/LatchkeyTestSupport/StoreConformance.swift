import Foundation
import LatchkeyCore
import Testing

/// The behaviour every `Store` must have. Each backend's test target runs every check against a fresh store that
/// takes its time from a fresh test clock:
///
///     @Test(arguments: StoreConformance.names) func conformance(_ name: String) async throws {
///         let clock = StoreConformance.makeClock()
///         try await StoreConformance.run(name, on: try await makeFreshStore(clock: clock), clock: clock)
///     }
public enum StoreConformance {
    /// The names of the checks.
    public static var names: [String] { everyCheck.map(\.0) }

    /// A clock for one check's store, at a whole second (every backend keeps that exactly) far from the system's time.
    public static func makeClock() -> TestClock { TestClock(t0) }

    /// Runs the check `name` on `store`, whose clock is `clock`.
    public static func run(_ name: String, on store: any Store, clock: TestClock) async throws {
        guard let check = everyCheck.first(where: { $0.0 == name })?.1 else { Issue.record("no conformance check named \(name)"); return }
        try await check(store, clock)
    }

    /// Every check, each given the store and its clock.
    static var everyCheck: [(String, @Sendable (any Store, TestClock) async throws -> Void)] {
        (checks + integrityChecks).map { name, check in (name, { store, _ in try await check(store) }) } + clockedChecks
    }

    static let checks: [(String, @Sendable (any Store) async throws -> Void)] = [
        ("users round-trip and emails are unique", usersRoundTrip),
        ("API tokens are found by prefix", apiTokens),
        ("credentials round-trip with their sealed values", credentialsRoundTrip),
        ("a credential update with a stale version writes nothing", staleUpdate),
        ("deleting a credential removes its sealed values and bindings", deleteCredential),
        ("groups are per owner with unique names", groups),
        ("agent keys resolve to their group and can be deleted", agentKeys),
        ("agent access reads key, group and the bound credential at once", agentAccess),
        ("bindings replace per provider and clear missing-binding records", bindings),
        ("missing bindings count and belong to the group's owner", missingBindings),
        ("audit events page newest first per owner", audit),
        ("data keys get increasing versions and one active", dataKeys),
        ("rewrapping data keys is all or nothing", rewrapAllOrNothing),
        ("retiring drops only inactive data keys that protect nothing", retireUnused),
        ("after rotate-master the old master key opens nothing and running sealers keep working", masterKeyRotation),
        ("sealed values are replaced only if unchanged", sealedValueCompareAndSwap),
        ("OAuth apps are replaced per provider", oauthApps),
        ("a refresh lease excludes other owners until it expires", leaseExcludes),
        ("token writes need the lease and keep the refresh token unless rotated", fencedTokenWrite),
        ("a token write that learnt nothing keeps the fields and scopes it had", plainTokenWrite),
        ("a token sealed under a newer data key is stored under that key's version", tokenWriteUnderNewDataKey),
        ("failure writes need the lease", fencedFailureWrite),
        ("reconnecting replaces tokens and breaks any lease", reconnectBreaksLease),
        ("a lease whose holder is gone is taken over by exactly one process that names it", leaseTakeOver),
        ("an OAuth state works once and never after it expires", oauthStates),
        ("refresh candidates are the OAuth credentials that can still refresh", refreshCandidates),
        ("credentials by status are the owner's in those statuses, newest first", credentialsByStatus),
        ("sessions round-trip and expired ones are pruned", sessions),
        ("login failures count per key within the window", loginFailures),
        ("a setup link creates one first admin, once, never after it expires or is replaced", setupTokens),
        ("audit events older than the retention are deleted, newer ones kept", auditRetention),
        ("credentials, groups and keys come in pages that together hold each exactly once", paging),
        ("budgets and binding policies round-trip and reach agent access", budgetsAndPolicies),
        ("concurrent quota leases never grant more than the limit", quotaLeases),
        ("daily usage adds up per group, day and provider", dailyUsage),
        ("a spent window is recorded once", budgetExceeded),
        ("approvals are decided once and once-grants are used once", approvals),
        ("a group's audit events come by action, newest first", groupAudit),
        ("OAuth registrations are made once per issuer and redirect URI, found by client, sealed", oauthRegistrations),
    ] + webhookChecks + webhookSwitchChecks + accessChangeChecks

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func sealed(_ version: Int, _ byte: UInt8) -> SealedValue {
        var bytes = Data([1])
        withUnsafeBytes(of: UInt32(version).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8](repeating: byte, count: 40))
        return SealedValue(bytes: bytes)
    }

    @discardableResult
    static func user(_ store: any Store, _ email: String) async throws -> User {
        let user = User(id: Identifier.make("usr"), email: email, passwordHash: "$2b$hash", role: .member, createdAt: t0)
        try await store.createUser(user)
        return user
    }

    static func credential(_ store: any Store, owner: User, provider: String = "openai") async throws -> Credential {
        let credential = Credential(id: Identifier.make("crd"), ownerID: owner.id, provider: provider, name: "main", authMode: .apiKey,
                                    publicFields: ["org": "acme"], secrets: ["api_key": sealed(1, 7)], scopes: ["a", "b"], createdAt: t0, updatedAt: t0)
        try await store.createCredential(credential)
        return credential
    }

    static func group(_ store: any Store, owner: User, name: String = "bots") async throws -> AgentGroup {
        let group = AgentGroup(id: Identifier.make("grp"), ownerID: owner.id, name: name, createdAt: t0)
        try await store.createGroup(group)
        return group
    }

    static func usersRoundTrip(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        #expect(try await store.user(id: alice.id) == alice)
        #expect(try await store.user(email: "alice@example.com") == alice)
        #expect(try await store.userCount() == 1)
        await #expect(throws: StoreError.self) { try await user(store, "alice@example.com") }
        #expect(try await store.userCount() == 1)
    }

    static func apiTokens(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let token = APIToken(id: "tok_1", userID: alice.id, name: "cli", prefix: "ABCDEFGHIJKL", hash: Data([1, 2, 3]), createdAt: t0)
        try await store.createAPIToken(token)
        #expect(try await store.apiToken(prefix: "ABCDEFGHIJKL") == token)
        #expect(try await store.apiToken(prefix: "ZZZZZZZZZZZZ") == nil)
    }

    static func credentialsRoundTrip(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let bob = try await user(store, "bob@example.com")
        let credential = try await credential(store, owner: alice)
        #expect(try await store.credential(id: credential.id) == credential)
        #expect(try await store.credentials(ownerID: alice.id).map(\.id) == [credential.id])
        #expect(try await store.credentials(ownerID: bob.id).isEmpty)
    }

    static func staleUpdate(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        var credential = try await credential(store, owner: alice)
        credential.version = 2
        credential.name = "renamed"
        credential.secrets["api_key"] = sealed(1, 9)
        credential.expiresAt = t0.addingTimeInterval(60)
        #expect(try await store.updateCredential(credential))
        var stale = credential
        stale.name = "stale"
        stale.secrets["api_key"] = sealed(1, 3)
        #expect(try await !store.updateCredential(stale), "version 2 is no longer current; the write must not apply")
        let stored = try #require(try await store.credential(id: credential.id))
        #expect(stored.name == "renamed")
        #expect(stored.secrets["api_key"] == sealed(1, 9))
        #expect(stored.expiresAt == credential.expiresAt)
    }

    static func deleteCredential(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await credential(store, owner: alice)
        let group = try await group(store, owner: alice)
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: credential.id, createdAt: t0))
        #expect(try await store.deleteCredential(id: credential.id))
        #expect(try await store.credential(id: credential.id) == nil)
        #expect(try await store.bindings(groupID: group.id).isEmpty)
        #expect(try await store.sealedValueCounts().values.reduce(0, +) == 0)
        #expect(try await !store.deleteCredential(id: credential.id))
    }

    static func groups(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let bob = try await user(store, "bob@example.com")
        let a = try await group(store, owner: alice, name: "bots")
        _ = try await group(store, owner: bob, name: "bots")
        await #expect(throws: StoreError.self) { try await group(store, owner: alice, name: "bots") }
        #expect(try await store.groups(ownerID: alice.id) == [a])
        #expect(try await store.deleteGroup(id: a.id))
        #expect(try await store.group(id: a.id) == nil)
    }

    static func agentKeys(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let key = AgentKey(id: "key_1", groupID: group.id, prefix: "PREFIX123456", hash: Data([9]), createdAt: t0)
        try await store.createAgentKey(key)
        let found = try #require(try await store.agentKey(prefix: "PREFIX123456"))
        #expect(found.0 == key)
        #expect(found.1 == group)
        #expect(try await store.agentKeys(groupID: group.id) == [key])
        #expect(try await !store.deleteAgentKey(id: "key_1", groupID: "grp_other"))
        #expect(try await store.deleteAgentKey(id: "key_1", groupID: group.id))
        #expect(try await store.agentKey(prefix: "PREFIX123456") == nil)
    }

    static func agentAccess(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let key = AgentKey(id: "key_1", groupID: group.id, prefix: "PREFIX123456", hash: Data([9]), createdAt: t0)
        try await store.createAgentKey(key)
        var bound = try await credential(store, owner: alice)
        bound.version = 2
        bound.secrets["extra"] = sealed(1, 8)
        #expect(try await store.updateCredential(bound))
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: bound.id, createdAt: t0))
        let hit = try #require(try await store.agentAccess(prefix: "PREFIX123456", provider: "openai"))
        #expect(hit.key == key)
        #expect(hit.group == group)
        #expect(hit.credential == bound)
        #expect(hit.policy == nil)
        let unbound = try #require(try await store.agentAccess(prefix: "PREFIX123456", provider: "github"))
        #expect(unbound.key == key && unbound.credential == nil)
        #expect(try await store.agentAccess(prefix: "NOSUCHPREFIX", provider: "openai") == nil)
    }

    static func bindings(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let group = try await group(store, owner: alice)
        let first = try await credential(store, owner: alice)
        let second = try await credential(store, owner: alice)
        try await store.recordMissingBinding(groupID: group.id, provider: "openai", at: t0)
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: first.id, createdAt: t0))
        #expect(try await store.missingBindings(ownerID: alice.id).isEmpty)
        try await store.putBinding(Binding(groupID: group.id, provider: "openai", credentialID: second.id, createdAt: t0))
        #expect(try await store.bindings(groupID: group.id).map(\.credentialID) == [second.id])
        #expect(try await store.boundCredential(groupID: group.id, provider: "openai")?.id == second.id)
        #expect(try await store.boundCredential(groupID: group.id, provider: "github") == nil)
        #expect(try await store.deleteBinding(groupID: group.id, provider: "openai"))
        #expect(try await !store.deleteBinding(groupID: group.id, provider: "openai"))
    }

    static func missingBindings(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let bob = try await user(store, "bob@example.com")
        let group = try await group(store, owner: alice)
        try await store.recordMissingBinding(groupID: group.id, provider: "slack", at: t0)
        try await store.recordMissingBinding(groupID: group.id, provider: "slack", at: t0.addingTimeInterval(5))
        let missing = try await store.missingBindings(ownerID: alice.id)
        #expect(missing.count == 1)
        #expect(missing.first?.count == 2)
        #expect(missing.first?.lastSeen == t0.addingTimeInterval(5))
        #expect(try await store.missingBindings(ownerID: bob.id).isEmpty)
    }

    static func audit(_ store: any Store) async throws {
        for i in 0..<5 {
            try await store.appendAudit(AuditEvent(id: "evt_\(i)", ownerID: "usr_a", actor: "system", action: "a\(i)", targetType: "t", targetID: "x", detail: ["i": "\(i)"], createdAt: t0))
        }
        try await store.appendAudit(AuditEvent(id: "evt_b", ownerID: "usr_b", actor: "system", action: "b", targetType: "t", targetID: "x", createdAt: t0))
        let page = try await store.auditEvents(ownerID: "usr_a", limit: 2, before: nil)
        #expect(page.map(\.id) == ["evt_4", "evt_3"])
        #expect(page.first?.detail == ["i": "4"])
        #expect(try await store.auditEvents(ownerID: "usr_a", limit: 10, before: "evt_3").map(\.id) == ["evt_2", "evt_1", "evt_0"])
    }

    static func dataKeys(_ store: any Store) async throws {
        let first = try await store.insertDataKey(wrapped: { version, latest in
            #expect(latest == nil)
            return Data([UInt8(version)])
        }, activate: true, onlyIfEmpty: true)
        let again = try await store.insertDataKey(wrapped: { v, _ in Data([UInt8(v)]) }, activate: true, onlyIfEmpty: true)
        #expect(first == 1)
        #expect(again == 1)
        let second = try await store.insertDataKey(wrapped: { version, latest in
            #expect(latest?.version == 1)
            #expect(latest?.wrapped == Data([1]))
            return Data([UInt8(version)])
        }, activate: true, onlyIfEmpty: false)
        #expect(second == 2)
        let keys = try await store.dataKeys()
        #expect(keys.map(\.version) == [1, 2])
        #expect(keys.filter(\.active).map(\.version) == [2])
        #expect(keys.map(\.wrapped) == [Data([1]), Data([2])])
    }

    /// A failure part-way (here: the wrapper throws on the second key; in life: a crash) leaves every key as it was.
    static func rewrapAllOrNothing(_ store: any Store) async throws {
        for _ in 1...3 { _ = try await store.insertDataKey(wrapped: { v, _ in Data([UInt8(v)]) }, activate: true, onlyIfEmpty: false) }
        await #expect(throws: SealingError.self) {
            try await store.rewrapDataKeys { key in
                if key.version == 2 { throw SealingError.authenticationFailed }
                return Data([0xA0 + UInt8(key.version)])
            }
        }
        #expect(try await store.dataKeys().map(\.wrapped) == [Data([1]), Data([2]), Data([3])], "a failed rewrap changes nothing")
        #expect(try await store.rewrapDataKeys { Data([0xA0 + UInt8($0.version)]) } == 3)
        let keys = try await store.dataKeys()
        #expect(keys.map(\.wrapped) == [Data([0xA1]), Data([0xA2]), Data([0xA3])])
        #expect(keys.filter(\.active).map(\.version) == [3], "rewrapping keeps the active version")
    }

    static func retireUnused(_ store: any Store) async throws {
        for _ in 1...3 { _ = try await store.insertDataKey(wrapped: { v, _ in Data([UInt8(v)]) }, activate: true, onlyIfEmpty: false) }
        let alice = try await user(store, "alice@example.com")
        _ = try await credential(store, owner: alice)  // one sealed value under version 1
        #expect(try await store.retireUnusedDataKeys() == [2], "version 1 protects a value and version 3 is active")
        #expect(try await store.dataKeys().map(\.version) == [1, 3])
        let old = try #require(try await store.sealedValues(notUnder: 3, limit: 10).first)
        #expect(try await store.replaceSealedValue(old, with: sealed(3, 9)))
        #expect(try await store.retireUnusedDataKeys() == [1])
        #expect(try await store.retireUnusedDataKeys() == [])
        #expect(try await store.dataKeys().map(\.version) == [3])
    }

    static func masterKeyRotation(_ store: any Store) async throws {
        let oldKey = try MasterKey(base64: MasterKey.generateBase64())
        let newKey = try MasterKey(base64: MasterKey.generateBase64())
        // A server running with the old key, and a `keys rotate-master` process beside it.
        let server = Sealer(master: oldKey, keyStore: store, clock: SystemClock())
        try await server.bootstrap()
        _ = try await server.addActiveKey()
        let early = try await server.seal("sealed-under-v2", recordID: "crd_a", field: "api_key")
        let command = Sealer(master: oldKey, keyStore: store, clock: SystemClock())
        try await command.bootstrap()
        await #expect(throws: SealingError.self, "the same key again is refused") { try await KeyRotation(store: store, sealer: command).rotateMaster(to: oldKey, pause: { _ in }) }
        #expect(try await KeyRotation(store: store, sealer: command).rotateMaster(to: newKey, pause: { _ in }) == 2)

        await #expect(throws: SealingError.self, "a process started with the old key cannot open the database") {
            try await Sealer(master: oldKey, keyStore: store, clock: SystemClock()).bootstrap()
        }
        let restarted = Sealer(master: newKey, keyStore: store, clock: SystemClock())
        try await restarted.bootstrap()
        #expect(try await restarted.open(early, recordID: "crd_a", field: "api_key") == "sealed-under-v2")

        // The running server keeps sealing and opening with the data keys it holds, after reloading the keyring.
        try await server.reload()
        let late = try await server.seal("sealed-after-rotation", recordID: "crd_b", field: "api_key")
        #expect(try await server.open(early, recordID: "crd_a", field: "api_key") == "sealed-under-v2")
        #expect(try await restarted.open(late, recordID: "crd_b", field: "api_key") == "sealed-after-rotation")

        // A `keys rotate` still holding the old key must not add a data key the new master key cannot open.
        await #expect(throws: SealingError.self) { _ = try await command.addActiveKey() }
        #expect(try await store.dataKeys().map(\.version) == [1, 2])
        #expect(try await restarted.addActiveKey() == 3)
        let fresh = Sealer(master: newKey, keyStore: store, clock: SystemClock())
        try await fresh.bootstrap()
        #expect(try await fresh.activeVersion() == 3)
    }

    static func sealedValueCompareAndSwap(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await credential(store, owner: alice)
        let old = try #require(try await store.sealedValues(notUnder: 2, limit: 10).first)
        #expect(old.recordID == credential.id)
        #expect(try await store.replaceSealedValue(old, with: sealed(2, 1)))
        #expect(try await !store.replaceSealedValue(old, with: sealed(2, 5)), "the value changed since it was read")
        #expect(try await store.sealedValues(notUnder: 2, limit: 10).isEmpty)
        #expect(try await store.sealedValueCounts() == [2: 1])
        #expect(try await store.credential(id: credential.id)?.secrets["api_key"] == sealed(2, 1))
    }

    static func oauthApps(_ store: any Store) async throws {
        try await store.putOAuthApp(OAuthApp(provider: "github", clientID: "one", clientSecret: sealed(1, 1), updatedAt: t0))
        try await store.putOAuthApp(OAuthApp(provider: "github", clientID: "two", clientSecret: sealed(1, 2), updatedAt: t0))
        let app = try #require(try await store.oauthApp(provider: "github"))
        #expect(app.clientID == "two")
        #expect(app.clientSecret == sealed(1, 2))
        #expect(try await store.oauthApp(provider: "slack") == nil)
    }

    static func oauthCredential(_ store: any Store, owner: User, status: CredentialStatus = .active) async throws -> Credential {
        let credential = Credential(id: Identifier.make("crd"), ownerID: owner.id, provider: "github", name: "gh", authMode: .oauth2, status: status,
                                    secrets: ["access_token": sealed(1, 1), "refresh_token": sealed(1, 2)], expiresAt: t0.addingTimeInterval(60),
                                    tokenIssuedAt: t0, createdAt: t0, updatedAt: t0)
        try await store.createCredential(credential)
        return credential
    }

    static func update(_ id: String, access: UInt8, refresh: UInt8?) -> TokenUpdate {
        TokenUpdate(credentialID: id, accessToken: sealed(1, access), refreshToken: refresh.map { sealed(1, $0) },
                    expiresAt: t0.addingTimeInterval(3600), issuedAt: t0.addingTimeInterval(10), scopes: ["repo"], tokenFields: ["instance_url": "https://x"])
    }

    static func leaseExcludes(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice)
        let acquired = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(acquired?.id == credential.id)
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0) == nil,
                "a held lease excludes its owner too: two refreshes in one process must not both spend the token")
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "B", until: t0.addingTimeInterval(90), now: t0.addingTimeInterval(30)) == nil)
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "B", until: t0.addingTimeInterval(150), now: t0.addingTimeInterval(61)) != nil,
                "an expired lease can be taken over")
        try await store.releaseRefreshLease(credentialID: credential.id, owner: "A")
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "C", until: t0.addingTimeInterval(150), now: t0.addingTimeInterval(62)) == nil,
                "releasing someone else's lease does nothing")
        try await store.releaseRefreshLease(credentialID: credential.id, owner: "B")
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "C", until: t0.addingTimeInterval(150), now: t0.addingTimeInterval(62)) != nil)
    }

    static func fencedTokenWrite(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice)
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.finishRefresh(update(credential.id, access: 9, refresh: 9), owner: "B") == nil, "B holds no lease")
        #expect(try await store.credential(id: credential.id)?.secrets["access_token"] == sealed(1, 1))
        let returned = try await store.finishRefresh(update(credential.id, access: 5, refresh: nil), owner: "A")
        let stored = try #require(try await store.credential(id: credential.id))
        #expect(returned == stored, "the write returns the credential as written")
        #expect(stored.secrets["access_token"] == sealed(1, 5))
        #expect(stored.secrets["refresh_token"] == sealed(1, 2), "a response without a refresh token keeps the old one")
        #expect(stored.version == credential.version + 1)
        #expect(stored.expiresAt == t0.addingTimeInterval(3600))
        #expect(stored.tokenIssuedAt == t0.addingTimeInterval(10))
        #expect(stored.publicFields["instance_url"] == "https://x")
        #expect(stored.scopes == ["repo"])
        #expect(try await store.finishRefresh(update(credential.id, access: 6, refresh: 6), owner: "A") == nil, "the lease was released by the write")
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.finishRefresh(update(credential.id, access: 7, refresh: 8), owner: "A") != nil)
        #expect(try await store.credential(id: credential.id)?.secrets["refresh_token"] == sealed(1, 8), "a rotated refresh token is stored with its access token")
    }

    /// The usual refresh: no fields learnt, no scopes in the response, the refresh token not rotated.
    static func plainTokenWrite(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = Credential(id: Identifier.make("crd"), ownerID: alice.id, provider: "github", name: "gh", authMode: .oauth2, status: .refreshFailing,
                                    publicFields: ["shop": "acme"], secrets: ["access_token": sealed(1, 1), "refresh_token": sealed(1, 2)],
                                    expiresAt: t0.addingTimeInterval(60), scopes: ["repo"], tokenIssuedAt: t0, refreshFailures: 3, createdAt: t0, updatedAt: t0)
        try await store.createCredential(credential)
        let plain = TokenUpdate(credentialID: credential.id, accessToken: sealed(1, 5), refreshToken: nil, expiresAt: t0.addingTimeInterval(3600),
                                issuedAt: t0.addingTimeInterval(10), scopes: nil, tokenFields: [:])
        #expect(try await store.finishRefresh(plain, owner: "A") == nil, "A holds no lease yet")
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.finishRefresh(plain, owner: "B") == nil, "B holds no lease")
        let returned = try await store.finishRefresh(plain, owner: "A")
        let stored = try #require(try await store.credential(id: credential.id))
        #expect(returned == stored, "the write returns the credential as written")
        #expect(stored.secrets == ["access_token": sealed(1, 5), "refresh_token": sealed(1, 2)])
        #expect(stored.publicFields == credential.publicFields)
        #expect(stored.scopes == credential.scopes)
        #expect(stored.status == .active && stored.refreshFailures == 0)
        #expect(stored.version == credential.version + 1)
        #expect(stored.expiresAt == t0.addingTimeInterval(3600))
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "B", until: t0.addingTimeInterval(60), now: t0) != nil,
                "the write released the lease")
        var plainRotated = plain
        plainRotated.accessToken = sealed(1, 3)
        plainRotated.refreshToken = sealed(1, 4)
        let returnedRotated = try await store.finishRefresh(plainRotated, owner: "B")
        let storedRotated = try #require(try await store.credential(id: credential.id))
        #expect(returnedRotated == storedRotated, "a rotated refresh token is in the credential the write returns")
        #expect(storedRotated.secrets == ["access_token": sealed(1, 3), "refresh_token": sealed(1, 4)])
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "B", until: t0.addingTimeInterval(60), now: t0)
        var rotated = plain
        rotated.accessToken = sealed(1, 6)
        rotated.refreshToken = sealed(1, 7)
        rotated.scopes = ["repo", "gist"]
        rotated.tokenFields = ["instance_url": "https://eu.example \"1\" é", "shop": "acme-2"]
        #expect(try await store.finishRefresh(rotated, owner: "B") != nil)
        let again = try #require(try await store.credential(id: credential.id))
        #expect(again.secrets == ["access_token": sealed(1, 6), "refresh_token": sealed(1, 7)])
        #expect(again.scopes == ["repo", "gist"])
        #expect(again.publicFields == ["shop": "acme-2", "instance_url": "https://eu.example \"1\" é"], "the response's fields go over the stored ones")
    }

    /// The key version is a column of its own, read by key rotation: a refreshed token sealed under the newest data key
    /// must move to it (else `retireUnusedDataKeys` would keep the old key and the re-seal pass would redo the value),
    /// and the value it replaced must not linger under the old one.
    static func tokenWriteUnderNewDataKey(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice)
        #expect(try await store.sealedValueCounts() == [1: 2])
        var update = update(credential.id, access: 5, refresh: nil)
        update.accessToken = sealed(2, 5)
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.finishRefresh(update, owner: "A") != nil)
        #expect(try await store.sealedValueCounts() == [1: 1, 2: 1])
        #expect(try await store.sealedValues(notUnder: 2, limit: 10).map(\.field) == ["refresh_token"])
        #expect(try await store.credential(id: credential.id)?.secrets["access_token"] == sealed(2, 5))
        update.accessToken = sealed(2, 6)
        update.refreshToken = sealed(2, 7)
        #expect(try await store.replaceTokens(update, publicFields: [:]))
        #expect(try await store.sealedValueCounts() == [2: 2])
        #expect(try await store.credential(id: credential.id)?.secrets == ["access_token": sealed(2, 6), "refresh_token": sealed(2, 7)])
    }

    static func fencedFailureWrite(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice)
        #expect(try await !store.failRefresh(credentialID: credential.id, owner: "A", status: .needsReauth, reason: "invalid_grant", failures: 1, nextAttempt: nil))
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.failRefresh(credentialID: credential.id, owner: "A", status: .refreshFailing, reason: "HTTP 503", failures: 3, nextAttempt: t0.addingTimeInterval(8)))
        let stored = try #require(try await store.credential(id: credential.id))
        #expect(stored.status == .refreshFailing)
        #expect(stored.statusReason == "HTTP 503")
        #expect(stored.refreshFailures == 3)
        #expect(stored.nextRefreshAt == t0.addingTimeInterval(8))
        #expect(stored.secrets == credential.secrets)
        #expect(try await store.acquireRefreshLease(credentialID: credential.id, owner: "B", until: t0.addingTimeInterval(60), now: t0) != nil, "the failure write released the lease")
    }

    static func reconnectBreaksLease(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let credential = try await oauthCredential(store, owner: alice, status: .needsReauth)
        _ = try await store.acquireRefreshLease(credentialID: credential.id, owner: "A", until: t0.addingTimeInterval(60), now: t0)
        #expect(try await store.replaceTokens(update(credential.id, access: 4, refresh: 4), publicFields: ["shop": "acme"]))
        let stored = try #require(try await store.credential(id: credential.id))
        #expect(stored.status == .active)
        #expect(stored.refreshFailures == 0)
        #expect(stored.publicFields == ["shop": "acme", "instance_url": "https://x"])
        #expect(try await store.finishRefresh(update(credential.id, access: 9, refresh: 9), owner: "A") == nil, "the stale refresher must not overwrite the new consent")
        #expect(try await store.credential(id: credential.id)?.secrets["access_token"] == sealed(1, 4))
    }

    static func oauthStates(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let state = OAuthState(id: "abc", userID: alice.id, provider: "github", name: "gh", credentialID: nil, scopes: ["repo"], fields: ["shop": "s"],
                               browserBinding: Data([7]), createdAt: t0, expiresAt: t0.addingTimeInterval(600))
        try await store.createOAuthState(state, verifier: sealed(1, 3))
        let consumed = try #require(try await store.consumeOAuthState(id: "abc", now: t0.addingTimeInterval(5)))
        #expect(consumed.0 == state)
        #expect(consumed.1 == sealed(1, 3))
        #expect(try await store.consumeOAuthState(id: "abc", now: t0.addingTimeInterval(6)) == nil, "a state works once")
        let late = OAuthState(id: "late", userID: alice.id, provider: "github", name: "gh", credentialID: nil, scopes: [], fields: [:],
                              browserBinding: nil, createdAt: t0, expiresAt: t0.addingTimeInterval(600))
        try await store.createOAuthState(late, verifier: nil)
        #expect(try await store.consumeOAuthState(id: "late", now: t0.addingTimeInterval(601)) == nil, "an expired state is refused")
        #expect(try await store.sealedValueCounts().values.reduce(0, +) == 0, "verifiers go with their states")
    }

    static func refreshCandidates(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let active = try await oauthCredential(store, owner: alice)
        _ = try await oauthCredential(store, owner: alice, status: .needsReauth)
        _ = try await credential(store, owner: alice)
        let candidates = try await store.refreshCandidates(after: nil, limit: 100)
        #expect(candidates.map(\.id) == [active.id])
        #expect(candidates.first?.hasRefreshToken == true)
        #expect(candidates.first?.expiresAt == active.expiresAt)
        // Pages in id order: each starts after the cursor, none overlaps or skips one, the last is short.
        var ids = [active.id]
        for _ in 0..<4 { ids.append(try await oauthCredential(store, owner: alice).id) }
        ids.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let first = try await store.refreshCandidates(after: nil, limit: 2)
        let second = try await store.refreshCandidates(after: first.last?.id, limit: 2)
        let third = try await store.refreshCandidates(after: second.last?.id, limit: 2)
        #expect(first.map(\.id) == Array(ids[0..<2]))
        #expect(second.map(\.id) == Array(ids[2..<4]))
        #expect(third.map(\.id) == [ids[4]])
        #expect(try await store.refreshCandidates(after: ids[4], limit: 2).isEmpty)
    }

    static func credentialsByStatus(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let bob = try await user(store, "bob@example.com")
        _ = try await oauthCredential(store, owner: alice)
        let failing = try await oauthCredential(store, owner: alice, status: .refreshFailing)
        let reauth = try await oauthCredential(store, owner: alice, status: .needsReauth)
        _ = try await oauthCredential(store, owner: bob, status: .needsReauth)
        let found = try await store.credentials(ownerID: alice.id, statuses: [.needsReauth, .refreshFailing, .revoked])
        let newestFirst = [failing, reauth].sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }.map(\.id)  // created together: ties by id
        #expect(found.map(\.id) == newestFirst)
        #expect(found.first?.secrets["refresh_token"] != nil, "with their sealed values")
        #expect(try await store.credentials(ownerID: alice.id, statuses: []).isEmpty)
    }

    static func sessions(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let old = Session(id: "old", userID: alice.id, csrf: "c0", createdAt: t0, expiresAt: t0.addingTimeInterval(60))
        try await store.createSession(old)
        #expect(try await store.session(id: "old") == old)
        let new = Session(id: "new", userID: alice.id, csrf: "c1", createdAt: t0.addingTimeInterval(120), expiresAt: t0.addingTimeInterval(3600))
        try await store.createSession(new)
        #expect(try await store.session(id: "old") == nil, "creating a session prunes expired ones")
        #expect(try await store.session(id: "new") == new)
        try await store.deleteSession(id: "new")
        #expect(try await store.session(id: "new") == nil)
    }

    static func loginFailures(_ store: any Store) async throws {
        #expect(try await store.recordLoginFailure(key: "email:a", at: t0, since: t0.addingTimeInterval(-900)) == 1)
        #expect(try await store.recordLoginFailure(key: "email:a", at: t0.addingTimeInterval(1), since: t0.addingTimeInterval(-900)) == 2)
        #expect(try await store.recordLoginFailure(key: "email:b", at: t0.addingTimeInterval(2), since: t0.addingTimeInterval(-900)) == 1)
        #expect(try await store.loginFailures(key: "email:a", since: t0.addingTimeInterval(-900)) == 2)
        #expect(try await store.loginFailures(key: "email:a", since: t0.addingTimeInterval(1)) == 1, "only failures inside the window count")
        try await store.clearLoginFailures(key: "email:a")
        #expect(try await store.loginFailures(key: "email:a", since: t0.addingTimeInterval(-900)) == 0)
        #expect(try await store.loginFailures(key: "email:b", since: t0.addingTimeInterval(-900)) == 1, "clearing one key keeps the others")
    }

    static func setupTokens(_ store: any Store) async throws {
        func admin(_ email: String) -> User { User(id: Identifier.make("usr"), email: email, passwordHash: "$2b$hash", role: .admin, createdAt: t0) }
        try await store.createSetupToken(id: "old", expiresAt: t0.addingTimeInterval(600))
        try await store.createSetupToken(id: "late", expiresAt: t0.addingTimeInterval(600))
        #expect(try await !store.createFirstUser(admin("a@example.com"), setupTokenID: "old", now: t0), "a newer link revokes the older ones")
        #expect(try await !store.createFirstUser(admin("a@example.com"), setupTokenID: "late", now: t0.addingTimeInterval(601)), "an expired link creates nobody")
        #expect(try await !store.createFirstUser(admin("a@example.com"), setupTokenID: "never", now: t0))
        #expect(try await store.userCount() == 0)
        // Two submissions of the link at once: exactly one admin.
        try await store.createSetupToken(id: "one", expiresAt: t0.addingTimeInterval(600))
        async let first = store.createFirstUser(admin("c@example.com"), setupTokenID: "one", now: t0)
        async let second = store.createFirstUser(admin("d@example.com"), setupTokenID: "one", now: t0)
        let results = try await [first, second]
        #expect(results.filter { $0 }.count == 1, "\(results)")
        #expect(try await store.userCount() == 1)
        // Once a user exists, even a fresh link creates nobody.
        try await store.createSetupToken(id: "tok", expiresAt: t0.addingTimeInterval(600))
        #expect(try await !store.createFirstUser(admin("b@example.com"), setupTokenID: "tok", now: t0))
        #expect(try await store.userCount() == 1)
    }

    static func auditRetention(_ store: any Store) async throws {
        for (i, age) in [500.0, 401, 399, 1].enumerated() {
            try await store.appendAudit(AuditEvent(id: "evt_\(i)", ownerID: "usr_a", actor: "system", action: "a", targetType: "t", targetID: "x",
                                                   createdAt: t0.addingTimeInterval(-age * 86_400)))
        }
        #expect(try await store.deleteAudit(createdBefore: t0.addingTimeInterval(-400 * 86_400)) == 2)
        #expect(try await store.auditEvents(ownerID: "usr_a", limit: 10, before: nil).map(\.id) == ["evt_3", "evt_2"])
    }

    static func paging(_ store: any Store) async throws {
        let alice = try await user(store, "alice@example.com")
        let other = try await user(store, "other@example.com")
        var made: [String] = []
        for i in 0..<7 {
            // Three share one creation time: ties are ordered by id, and no page boundary loses or repeats one.
            let at = t0.addingTimeInterval(Double(i < 3 ? 0 : i))
            let c = Credential(id: Identifier.make("crd"), ownerID: alice.id, provider: "openai", name: "c\(i)", authMode: .apiKey,
                               secrets: ["api_key": sealed(1, UInt8(i))], createdAt: at, updatedAt: at)
            try await store.createCredential(c)
            made.append(c.id)
        }
        _ = try await credential(store, owner: other)
        var seen: [String] = [], cursor: String?
        repeat {
            let page = try await store.credentials(ownerID: alice.id, after: cursor, limit: 2)
            #expect(page.count <= 2 && page.allSatisfy { $0.secrets["api_key"] != nil }, "whole credentials, sealed values included")
            seen += page.map(\.id)
            cursor = page.count == 2 ? page.last?.id : nil
        } while cursor != nil
        #expect(seen == (try await store.credentials(ownerID: alice.id)).map(\.id))
        #expect(Set(seen) == Set(made) && seen.count == made.count)
        #expect(try await store.credentialCount(ownerID: alice.id) == 7)

        for name in ["e", "a", "d", "b", "c"] { _ = try await group(store, owner: alice, name: name) }
        let first = try await store.groups(ownerID: alice.id, after: nil, limit: 2)
        let rest = try await store.groups(ownerID: alice.id, after: first.last?.id, limit: 10)
        #expect((first + rest).map(\.name) == ["a", "b", "c", "d", "e"])
        #expect(try await store.groupCount(ownerID: alice.id) == 5)

        let bots = try await group(store, owner: alice, name: "bots")
        var keys: [String] = []
        for i in 0..<5 {
            let key = AgentKey(id: Identifier.make("key"), groupID: bots.id, prefix: "p\(i)\(Identifier.make("x").suffix(6))", hash: Data([UInt8(i)]), createdAt: t0)
            try await store.createAgentKey(key)
            keys.append(key.id)
        }
        let k1 = try await store.agentKeys(groupID: bots.id, after: nil, limit: 3)
        let k2 = try await store.agentKeys(groupID: bots.id, after: k1.last?.id, limit: 3)
        #expect(Set((k1 + k2).map(\.id)) == Set(keys) && k1.count == 3 && k2.count == 2)
    }
}
