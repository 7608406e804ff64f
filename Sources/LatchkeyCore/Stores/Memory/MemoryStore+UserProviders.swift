import Foundation

extension MemoryStore {
    /// A row of `user_providers`: its authentication kept as text, as the SQL does, so a row whose text no longer
    /// parses is skipped on reading rather than failing the list.
    struct UserProviderRow: Sendable {
        var id: String
        var ownerID: String
        var name: String
        var url: String
        var auth: String
        var createdAt: Date
    }

    public func createUserProvider(_ provider: UserProvider) async throws {
        guard tables.userProviders[provider.id] == nil else { throw StoreError.conflict("provider '\(provider.id)'") }
        guard tables.users[provider.ownerID] != nil else { throw Self.missing("user") }
        tables.userProviders[provider.id] = UserProviderRow(id: provider.id, ownerID: provider.ownerID, name: provider.name, url: provider.url,
                                                     auth: provider.authText, createdAt: provider.createdAt)
    }

    public func userProviders() async throws -> [UserProvider] {
        tables.userProviders.values.sorted { Self.precedes($0.id, $1.id) }.compactMap { row in
            guard let auth = UserProvider.auth(from: row.auth) else { return nil }
            return UserProvider(id: row.id, ownerID: row.ownerID, name: row.name, url: row.url, auth: auth, createdAt: row.createdAt)
        }
    }

    public func deleteUserProvider(id: String, ownerID: String) async throws -> Bool {
        guard tables.userProviders[id]?.ownerID == ownerID else { return false }
        tables.userProviders[id] = nil
        return true
    }
}
