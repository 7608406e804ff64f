import Foundation

/// Agent groups, their keys and their bindings.
public struct GroupService: Sendable {
    let store: any Store
    let catalog: Catalog
    let audit: AuditLog
    let clock: any WallClock
    /// Emptied after every write that changes what an agent key resolves to (and only then).
    let cache: AccessCache
    /// How many groups a user, and keys a group, may hold.
    let quotas: Quotas

    /// Creates the service.
    public init(store: any Store, catalog: Catalog, clock: any WallClock, cache: AccessCache = AccessCache(ttl: .zero), quotas: Quotas = Quotas()) {
        self.quotas = quotas
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.cache = cache
        self.audit = AuditLog(store: store, clock: clock)
    }

    /// Creates a group for `owner`.
    public func create(owner: User, name: String) async throws -> AgentGroup {
        let name = try CredentialService.validName(name)
        guard try await store.groupCount(ownerID: owner.id) < quotas.groupsPerUser else { throw Quotas.reached("agent groups", quotas.groupsPerUser) }
        let group = AgentGroup(id: Identifier.make("grp"), ownerID: owner.id, name: name, createdAt: clock.now)
        do { try await store.createGroup(group) } catch StoreError.conflict { throw LatchkeyError.conflict("you already have a group named '\(name)'") }
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "group.created", targetType: "group", targetID: group.id, detail: ["name": name])
        return group
    }

    /// The owner's groups.
    public func list(owner: User) async throws -> [AgentGroup] { try await store.groups(ownerID: owner.id) }

    /// A page of the owner's groups, by name; `cursor` is a `nextCursor` from the page before.
    public func list(owner: User, cursor: String?, limit: Int?) async throws -> Page<AgentGroup> {
        let limit = try Page<AgentGroup>.limit(limit)
        try await Page<AgentGroup>.check(cursor: cursor) { try await store.group(id: $0)?.ownerID == owner.id }
        return Page(fetched: try await store.groups(ownerID: owner.id, after: cursor, limit: limit + 1), limit: limit) { $0.id }
    }

    /// A page of the group's keys, oldest first (never the keys themselves: prefixes and dates).
    public func keys(owner: User, groupID: String, cursor: String?, limit: Int?) async throws -> Page<AgentKey> {
        let limit = try Page<AgentKey>.limit(limit)
        _ = try await owned(owner: owner, id: groupID)
        try await Page<AgentKey>.check(cursor: cursor) { id in try await store.agentKeys(groupID: groupID).contains { $0.id == id } }
        return Page(fetched: try await store.agentKeys(groupID: groupID, after: cursor, limit: limit + 1), limit: limit) { $0.id }
    }

    /// One group with its keys and bindings.
    public func get(owner: User, id: String) async throws -> GroupView {
        let group = try await owned(owner: owner, id: id)
        return GroupView(group: group, keys: try await store.agentKeys(groupID: id), bindings: try await store.bindings(groupID: id))
    }

    /// Deletes a group with its keys and bindings.
    public func delete(owner: User, id: String) async throws {
        let group = try await owned(owner: owner, id: id)
        guard try await store.deleteGroup(id: id) else { throw LatchkeyError.notFound("group") }
        cache.invalidateAll()
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "group.deleted", targetType: "group", targetID: id, detail: ["name": group.name])
    }

    /// Creates an agent key; the returned value is the only copy of the full key.
    public func createKey(owner: User, groupID: String) async throws -> CreatedAgentKey {
        _ = try await owned(owner: owner, id: groupID)
        guard try await store.agentKeys(groupID: groupID, after: nil, limit: quotas.keysPerGroup).count < quotas.keysPerGroup else {
            throw Quotas.reached("agent keys in this group", quotas.keysPerGroup)
        }
        let token = SecretToken.generate(.agentKey)
        let record = AgentKey(id: Identifier.make("key"), groupID: groupID, prefix: token.prefix, hash: token.hash, createdAt: clock.now)
        try await store.createAgentKey(record)
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "agent_key.created", targetType: "agent_key", targetID: record.id,
                               detail: ["group_id": groupID, "prefix": token.prefix])
        return CreatedAgentKey(record: record, key: token.value)
    }

    /// Revokes an agent key of the group.
    public func deleteKey(owner: User, groupID: String, keyID: String) async throws {
        _ = try await owned(owner: owner, id: groupID)
        guard try await store.deleteAgentKey(id: keyID, groupID: groupID) else { throw LatchkeyError.notFound("agent key") }
        cache.invalidateAll()
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "agent_key.revoked", targetType: "agent_key", targetID: keyID, detail: ["group_id": groupID])
    }

    /// Binds one of the owner's credentials for `provider` into the group.
    public func bind(owner: User, groupID: String, provider: String, credentialID: String, policy: BindingPolicy? = nil) async throws -> Binding {
        _ = try await owned(owner: owner, id: groupID)
        guard catalog.provider(provider, visibleTo: owner.id) != nil else { throw LatchkeyError.notFound("provider '\(provider)'") }
        // Only the owner may bind a credential; someone else's reads exactly like one that does not exist.
        guard let credential = try await store.credential(id: credentialID), credential.ownerID == owner.id else {
            throw LatchkeyError.validationFailed(field: "credential_id", message: "no credential with this id")
        }
        guard credential.provider == provider else {
            throw LatchkeyError.validationFailed(field: "credential_id", message: "the credential is for '\(credential.provider)', not '\(provider)'")
        }
        let policy = try policy.map { try BudgetService.validated($0, provider: provider, catalog: catalog) }
        let binding = Binding(groupID: groupID, provider: provider, credentialID: credentialID, createdAt: clock.now, policy: policy?.isEmpty == true ? nil : policy)
        try await store.putBinding(binding)
        cache.invalidateAll()
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "binding.set", targetType: "group", targetID: groupID,
                               detail: ["provider": provider, "credential_id": credentialID])
        return binding
    }

    /// The group's bindings.
    public func bindings(owner: User, groupID: String) async throws -> [Binding] {
        _ = try await owned(owner: owner, id: groupID)
        return try await store.bindings(groupID: groupID)
    }

    /// Removes the group's binding for `provider`.
    public func unbind(owner: User, groupID: String, provider: String) async throws {
        _ = try await owned(owner: owner, id: groupID)
        guard try await store.deleteBinding(groupID: groupID, provider: provider) else { throw LatchkeyError.notFound("binding") }
        cache.invalidateAll()
        try await audit.record(ownerID: owner.id, actor: "user:\(owner.id)", action: "binding.removed", targetType: "group", targetID: groupID, detail: ["provider": provider])
    }

    /// The group if `owner` owns it; otherwise not found.
    public func owned(owner: User, id: String) async throws -> AgentGroup {
        guard let group = try await store.group(id: id), group.ownerID == owner.id else { throw LatchkeyError.notFound("group") }
        return group
    }
}
