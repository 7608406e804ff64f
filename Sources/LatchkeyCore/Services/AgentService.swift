/// Authenticates agents and resolves the credential bound for a provider in their group.
public struct AgentService: Sendable {
    let store: any Store
    let catalog: Catalog
    let credentials: CredentialService
    let links: SetupLinks
    let clock: any WallClock
    /// Recent resolutions (off unless given a TTL).
    public let cache: AccessCache

    /// Creates the service.
    public init(store: any Store, catalog: Catalog, credentials: CredentialService, links: SetupLinks, clock: any WallClock,
                cache: AccessCache = AccessCache(ttl: .zero)) {
        self.store = store
        self.catalog = catalog
        self.credentials = credentials
        self.links = links
        self.clock = clock
        self.cache = cache
    }

    /// The agent presenting `bearer`, or `unauthorized`.
    public func authenticate(bearer: String?) async throws -> AgentContext {
        guard let bearer, let (prefix, hash) = SecretToken.parse(bearer, kind: .agentKey),
              let (key, group) = try await store.agentKey(prefix: prefix),
              SecretToken.constantTimeEquals(key.hash, hash),
              !group.isExpired(at: clock.now)
        else { throw LatchkeyError.unauthorized }
        return AgentContext(key: key, group: group)
    }

    /// Authenticates the agent presenting `bearer` and resolves its group's credential for `providerID`, with one
    /// database read: the proxy's hot path.
    public func access(bearer: String?, providerID: String) async throws -> ResolvedCredential {
        guard let bearer, let (prefix, hash) = SecretToken.parse(bearer, kind: .agentKey) else { throw LatchkeyError.unauthorized }
        if let cached = cache.lookup(prefix: prefix, hash: hash, provider: providerID), isServable(cached) {
            guard !cached.group.isExpired(at: clock.now) else { throw LatchkeyError.unauthorized }
            return cached
        }
        let generation = cache.generation
        guard let access = try await store.agentAccess(prefix: prefix, provider: providerID),
              SecretToken.constantTimeEquals(access.key.hash, hash),
              !access.group.isExpired(at: clock.now)
        else { throw LatchkeyError.unauthorized }
        let resolved = try await resolved(agent: AgentContext(key: access.key, group: access.group), providerID: providerID,
                                          credential: access.credential, policy: access.policy)
        cache.remember(prefix: prefix, hash: hash, provider: providerID, resolved: resolved, readSince: generation)
        return resolved
    }

    /// `access` answered from the cache alone, without suspending: nil when the cache cannot answer.
    public func cachedAccess(bearer: String?, providerID: String) -> ResolvedCredential? {
        guard cache.isEnabled, let bearer, let (prefix, hash) = SecretToken.parse(bearer, kind: .agentKey),
              let cached = cache.lookup(prefix: prefix, hash: hash, provider: providerID), isServable(cached),
              !cached.group.isExpired(at: clock.now) else { return nil }
        return cached
    }

    /// Whether a remembered resolution may answer a call: a static one while it is remembered; an OAuth one only
    /// while its token is neither due for refresh nor expired (else the refresher must see the call).
    private func isServable(_ cached: ResolvedCredential) -> Bool {
        clock.now < cached.servableUntil
    }

    /// Whether the key `bearer` presents resolved lately in this process, for any provider (`AccessCache.holdsKey`):
    /// no authentication, only leave to read a small body before the provider is known.
    public func isRecentlyResolved(bearer: String?) -> Bool {
        guard cache.isEnabled, let bearer, let (prefix, hash) = SecretToken.parse(bearer, kind: .agentKey) else { return false }
        return cache.holdsKey(prefix: prefix, hash: hash)
    }

    private func resolved(agent: AgentContext, providerID: String, credential: Credential?, policy: BindingPolicy?) async throws -> ResolvedCredential {
        guard let provider = catalog.provider(providerID) else { throw LatchkeyError.unknownProvider(providerID) }
        guard let credential else {
            try await recordMissingBinding(group: agent.group, providerID: providerID)
            throw LatchkeyError.credentialMissing(provider: providerID, setupURL: links.bind(groupID: agent.group.id, provider: providerID))
        }
        switch credential.status {
        case .needsReauth, .revoked:
            throw LatchkeyError.credentialNeedsReauth(provider: providerID, setupURL: links.reconnect(credentialID: credential.id))
        case .active, .refreshFailing:
            break
        }
        return ResolvedCredential(provider: provider, credential: credential, values: try await credentials.values(of: credential),
                                  group: agent.group, policy: policy)
    }

    /// Counts the missing binding for the owner's warning; the first time it is missing (since it was last bound) it
    /// is also a `binding.missing` event, so that a retrying agent does not flood the owner's webhooks.
    private func recordMissingBinding(group: AgentGroup, providerID: String) async throws {
        let known = try await store.missingBindings(ownerID: group.ownerID).contains { $0.groupID == group.id && $0.provider == providerID }
        try await store.recordMissingBinding(groupID: group.id, provider: providerID, at: clock.now)
        guard !known else { return }
        try await AuditLog(store: store, clock: clock).record(ownerID: group.ownerID, actor: "agent:\(group.id)", action: "binding.missing", targetType: "group",
                                                              targetID: group.id, detail: ["group_id": group.id, "provider": providerID])
    }

    /// The agent's bindings with their credentials' status, for `GET /v1/tools`.
    public func boundProviders(agent: AgentContext) async throws -> [(Binding, Credential?)] {
        var result: [(Binding, Credential?)] = []
        for binding in try await store.bindings(groupID: agent.group.id) {
            result.append((binding, try await store.credential(id: binding.credentialID)))
        }
        return result
    }
}
