import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createUserProvider(_ provider: UserProvider) async throws {
        try await write("provider '\(provider.id)'") { db in
            try db.execute(sql: "INSERT INTO user_providers (id, owner_id, name, url, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [provider.id, provider.ownerID, provider.name, provider.url, provider.authText, provider.createdAt.seconds])
        }
    }

    public func userProviders() async throws -> [UserProvider] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM user_providers ORDER BY id").compactMap { row in
                guard let auth = UserProvider.auth(from: row["auth"]) else { return nil }
                return UserProvider(id: row["id"], ownerID: row["owner_id"], name: row["name"], url: row["url"], auth: auth, createdAt: Date(seconds: row["created_at"]))
            }
        }
    }

    public func deleteUserProvider(id: String, ownerID: String) async throws -> Bool {
        try await write("provider") { db in
            try db.execute(sql: "DELETE FROM user_providers WHERE id = ? AND owner_id = ?", arguments: [id, ownerID])
            return db.changesCount == 1
        }
    }
}
