import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createUser(_ user: User) async throws {
        try await write("user \(user.email)") { db in
            try db.execute(sql: "INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [user.id, user.email, user.passwordHash, user.role.rawValue, user.createdAt.seconds])
        }
    }

    public func user(id: String) async throws -> User? {
        try await read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(Self.user) }
    }

    public func user(email: String) async throws -> User? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map(Self.user) }
    }

    public func userCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    public func createAPIToken(_ token: APIToken) async throws {
        try await write("api token") { db in
            try db.execute(sql: "INSERT INTO api_tokens (id, user_id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [token.id, token.userID, token.name, token.prefix, token.hash, token.createdAt.seconds])
        }
    }

    public func apiToken(prefix: String) async throws -> APIToken? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_tokens WHERE prefix = ?"), arguments: [prefix]).map { row in
                APIToken(id: row["id"], userID: row["user_id"], name: row["name"], prefix: row["prefix"], hash: row["hash"], createdAt: Date(seconds: row["created_at"]))
            }
        }
    }

    static func user(_ row: Row) -> User {
        User(id: row["id"], email: row["email"], passwordHash: row["password_hash"], role: User.Role(rawValue: row["role"]) ?? .member, createdAt: Date(seconds: row["created_at"]))
    }
}
