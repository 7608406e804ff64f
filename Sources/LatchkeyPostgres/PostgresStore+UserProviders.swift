import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createUserProvider(_ provider: UserProvider) async throws {
        _ = try await rows("provider '\(provider.id)'", """
            INSERT INTO user_providers (id, owner_id, name, url, auth, created_at)
            VALUES (\(provider.id), \(provider.ownerID), \(provider.name), \(provider.url), \(provider.authText), \(provider.createdAt))
            """)
    }

    public func userProviders() async throws -> [UserProvider] {
        try await rows("providers", "SELECT id, owner_id, name, url, auth, created_at FROM user_providers ORDER BY id").compactMap { row in
            guard let auth = UserProvider.auth(from: try row.get("auth")) else { return nil }
            return UserProvider(id: try row.get("id"), ownerID: try row.get("owner_id"), name: try row.get("name"), url: try row.get("url"), auth: auth,
                                createdAt: try row.get("created_at"))
        }
    }

    public func deleteUserProvider(id: String, ownerID: String) async throws -> Bool {
        try await rows("provider", "DELETE FROM user_providers WHERE id = \(id) AND owner_id = \(ownerID) RETURNING id").count == 1
    }
}
