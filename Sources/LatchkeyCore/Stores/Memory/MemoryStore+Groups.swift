import Foundation

extension MemoryStore {
    /// The key of a binding or a missing-binding record.
    struct GroupProvider: Hashable, Sendable {
        var groupID: String
        var provider: String
    }

    public func createGroup(_ group: AgentGroup) async throws {
        guard tables.groups[group.id] == nil, !tables.groups.values.contains(where: { $0.ownerID == group.ownerID && $0.name == group.name }) else {
            throw StoreError.conflict("group \(group.name)")
        }
        guard tables.users[group.ownerID] != nil else { throw Self.missing("user") }
        // A new group starts without a budget, whatever the value says: `setBudget` sets it.
        var stored = group
        stored.budget = nil
        tables.groups[group.id] = stored
    }

    public func group(id: String) async throws -> AgentGroup? { tables.groups[id] }

    public func groups(ownerID: String, after: String?, limit: Int) async throws -> [AgentGroup] {
        var rows = tables.groups.values.filter { $0.ownerID == ownerID }
        if let after {
            guard let cursor = tables.groups[after] else { return [] }
            rows = rows.filter { Self.precedes(cursor.name, $0.name) }
        }
        return Array(rows.sorted { Self.precedes($0.name, $1.name) }.prefix(max(limit, 0)))
    }

    public func groupCount(ownerID: String) async throws -> Int {
        tables.groups.values.count(where: { $0.ownerID == ownerID })
    }

    public func deleteGroup(id: String) async throws -> Bool {
        guard tables.groups.removeValue(forKey: id) != nil else { return false }
        logAccessChange(.group, id)
        for key in tables.agentKeys.values where key.groupID == id { logAccessChange(.agentKey, key.prefix) }
        // ON DELETE CASCADE from every table that names the group.
        tables.agentKeys = tables.agentKeys.filter { $0.value.groupID != id }
        tables.bindings = tables.bindings.filter { $0.key.groupID != id }
        tables.missingBindings = tables.missingBindings.filter { $0.key.groupID != id }
        tables.quotaLeases = tables.quotaLeases.filter { $0.key.groupID != id }
        tables.usage = tables.usage.filter { $0.key.groupID != id }
        tables.budgetsExceeded = tables.budgetsExceeded.filter { $0.key.groupID != id }
        tables.approvals = tables.approvals.filter { $0.value.groupID != id }
        return true
    }

    public func createAgentKey(_ key: AgentKey) async throws {
        guard tables.agentKeys[key.id] == nil, !tables.agentKeys.values.contains(where: { $0.prefix == key.prefix }) else { throw StoreError.conflict("agent key") }
        guard tables.groups[key.groupID] != nil else { throw Self.missing("group") }
        tables.agentKeys[key.id] = key
    }

    public func agentKey(prefix: String) async throws -> (AgentKey, AgentGroup)? { keyWithGroup(prefix: prefix) }

    public func agentAccess(prefix: String, provider: String) async throws -> AgentAccess? {
        guard let found = keyWithGroup(prefix: prefix) else { return nil }
        let (key, group) = found
        guard let binding = tables.bindings[GroupProvider(groupID: group.id, provider: provider)], let credential = fetchCredential(id: binding.credentialID) else {
            return AgentAccess(key: key, group: group, credential: nil, policy: nil)
        }
        return AgentAccess(key: key, group: group, credential: credential, policy: binding.policy)
    }

    public func agentKeys(groupID: String, after: String?, limit: Int) async throws -> [AgentKey] {
        let oldestFirst: (AgentKey, AgentKey) -> Bool = { a, b in
            a.createdAt != b.createdAt ? a.createdAt < b.createdAt : Self.precedes(a.id, b.id)
        }
        var rows = tables.agentKeys.values.filter { $0.groupID == groupID }
        if let after {
            guard let cursor = tables.agentKeys[after] else { return [] }
            rows = rows.filter { oldestFirst(cursor, $0) }
        }
        return Array(rows.sorted(by: oldestFirst).prefix(max(limit, 0)))
    }

    public func deleteAgentKey(id: String, groupID: String) async throws -> Bool {
        guard let key = tables.agentKeys[id], key.groupID == groupID else { return false }
        logAccessChange(.agentKey, key.prefix)
        tables.agentKeys[id] = nil
        return true
    }

    public func putBinding(_ binding: Binding) async throws {
        guard tables.groups[binding.groupID] != nil else { throw Self.missing("group") }
        guard tables.credentials[binding.credentialID] != nil else { throw Self.missing("credential") }
        let key = GroupProvider(groupID: binding.groupID, provider: binding.provider)
        logAccessChange(.group, binding.groupID)
        tables.bindings[key] = binding
        tables.missingBindings[key] = nil
    }

    public func boundCredential(groupID: String, provider: String) async throws -> Credential? {
        tables.bindings[GroupProvider(groupID: groupID, provider: provider)].flatMap { fetchCredential(id: $0.credentialID) }
    }

    public func bindings(groupID: String) async throws -> [Binding] {
        tables.bindings.values.filter { $0.groupID == groupID }.sorted { Self.precedes($0.provider, $1.provider) }
    }

    public func deleteBinding(groupID: String, provider: String) async throws -> Bool {
        guard tables.bindings.removeValue(forKey: GroupProvider(groupID: groupID, provider: provider)) != nil else { return false }
        logAccessChange(.group, groupID)
        return true
    }

    public func recordMissingBinding(groupID: String, provider: String, at date: Date) async throws {
        guard tables.groups[groupID] != nil else { throw Self.missing("group") }
        let key = GroupProvider(groupID: groupID, provider: provider)
        if var record = tables.missingBindings[key] {
            record.count += 1
            record.lastSeen = date
            tables.missingBindings[key] = record
        } else {
            tables.missingBindings[key] = MissingBinding(groupID: groupID, provider: provider, count: 1, firstSeen: date, lastSeen: date)
        }
    }

    public func missingBindings(ownerID: String) async throws -> [MissingBinding] {
        tables.missingBindings.values
            .filter { tables.groups[$0.groupID]?.ownerID == ownerID && tables.bindings[GroupProvider(groupID: $0.groupID, provider: $0.provider)] == nil }
            .sorted { $0.lastSeen > $1.lastSeen }
    }

    /// The key with this prefix and its group; without suspending, so callers read both in one step.
    private func keyWithGroup(prefix: String) -> (AgentKey, AgentGroup)? {
        guard let key = tables.agentKeys.values.first(where: { $0.prefix == prefix }), let group = tables.groups[key.groupID] else { return nil }
        return (key, group)
    }
}
