import Foundation

/// Remote MCP servers users added for themselves.
public protocol UserProviderStore: Sendable {
    /// Stores a new one; `StoreError.conflict` when the id is taken.
    func createUserProvider(_ provider: UserProvider) async throws
    /// Every user's (the process keeps them beside the catalog).
    func userProviders() async throws -> [UserProvider]
    /// Deletes the owner's provider `id`; false when there is none.
    func deleteUserProvider(id: String, ownerID: String) async throws -> Bool
}
