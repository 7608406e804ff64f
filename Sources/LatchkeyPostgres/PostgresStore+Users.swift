import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createUser(_ user: User) async throws {
        try await rows("user \(user.email)", """
            INSERT INTO users (id, email, password_hash, role, created_at)
            VALUES (\(user.id), \(user.email), \(user.passwordHash), \(user.role.rawValue), \(user.createdAt))
            """)
    }

    public func user(id: String) async throws -> User? {
        try await rows("user", "SELECT * FROM users WHERE id = \(id)").first.map(Self.user)
    }

    public func user(email: String) async throws -> User? {
        try await rows("user", "SELECT * FROM users WHERE email = \(email)").first.map(Self.user)
    }

    public func userCount() async throws -> Int {
        try await rows("user", "SELECT count(*) AS n FROM users").first?.get("n") ?? 0
    }

    public func createAPIToken(_ token: APIToken) async throws {
        try await rows("api token", try """
            INSERT INTO api_tokens (id, user_id, name, prefix, hash, created_at)
            VALUES (\(token.id), \(token.userID), \(token.name), \(token.prefix), \(token.hash), \(token.createdAt))
            """)
    }

    public func apiToken(prefix: String) async throws -> APIToken? {
        try await rows("api token", "SELECT * FROM api_tokens WHERE prefix = \(prefix)").first.map { row in
            APIToken(id: try row.get("id"), userID: try row.get("user_id"), name: try row.get("name"), prefix: try row.get("prefix"),
                     hash: try row.get("hash"), createdAt: try row.get("created_at"))
        }
    }

    static func user(_ row: PostgresRandomAccessRow) throws -> User {
        User(id: try row.get("id"), email: try row.get("email"), passwordHash: try row.get("password_hash"),
             role: User.Role(rawValue: try row.get("role")) ?? .member, createdAt: try row.get("created_at"))
    }
}
