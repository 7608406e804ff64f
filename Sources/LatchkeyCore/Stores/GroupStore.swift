import Foundation

/// Agent groups, their keys and bindings, and the bindings agents asked for in vain.
public protocol GroupStore: Sendable {
    /// Inserts a group; throws `StoreError.conflict` for a name the owner already uses.
    func createGroup(_ group: AgentGroup) async throws
    /// The group with `id`.
    func group(id: String) async throws -> AgentGroup?
    /// The user's groups, by name: at most `limit`, those after the group `after` when given.
    func groups(ownerID: String, after: String?, limit: Int) async throws -> [AgentGroup]
    /// How many groups the user has.
    func groupCount(ownerID: String) async throws -> Int
    /// Deletes the group with its keys and bindings; false if it did not exist.
    func deleteGroup(id: String) async throws -> Bool

    /// Inserts an agent key.
    func createAgentKey(_ key: AgentKey) async throws
    /// The key with this public prefix, with its group.
    func agentKey(prefix: String) async throws -> (AgentKey, AgentGroup)?
    /// The key with this prefix, its group (with its budget), and the credential the group binds for `provider` with
    /// the binding's policy, in one read: everything a proxied call needs from the database.
    func agentAccess(prefix: String, provider: String) async throws -> AgentAccess?
    /// The group's keys, oldest first: at most `limit`, those after the key `after` when given.
    func agentKeys(groupID: String, after: String?, limit: Int) async throws -> [AgentKey]
    /// Deletes a key of the group; false if the group has no such key.
    func deleteAgentKey(id: String, groupID: String) async throws -> Bool

    /// Creates or replaces the binding for (group, provider) with its policy, and clears its missing-binding record.
    func putBinding(_ binding: Binding) async throws
    /// The credential bound for (group, provider), if any.
    func boundCredential(groupID: String, provider: String) async throws -> Credential?
    /// The group's bindings, by provider.
    func bindings(groupID: String) async throws -> [Binding]
    /// Removes a binding; false if there was none.
    func deleteBinding(groupID: String, provider: String) async throws -> Bool

    /// Notes that an agent of the group asked for `provider` with no binding.
    func recordMissingBinding(groupID: String, provider: String, at: Date) async throws
    /// Missing bindings across the owner's groups that are still unbound.
    func missingBindings(ownerID: String) async throws -> [MissingBinding]
}

extension GroupStore {
    /// All of the user's groups, by name.
    public func groups(ownerID: String) async throws -> [AgentGroup] { try await groups(ownerID: ownerID, after: nil, limit: Int.max) }
    /// All of the group's keys, oldest first.
    public func agentKeys(groupID: String) async throws -> [AgentKey] { try await agentKeys(groupID: groupID, after: nil, limit: Int.max) }
}
