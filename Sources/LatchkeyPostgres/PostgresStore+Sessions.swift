import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createSession(_ session: Session) async throws {
        try await transaction("session") { tx in
            try await tx.rows("DELETE FROM sessions WHERE expires_at < \(session.createdAt)")
            try await tx.rows("""
                INSERT INTO sessions (id, user_id, csrf, created_at, expires_at)
                VALUES (\(session.id), \(session.userID), \(session.csrf), \(session.createdAt), \(session.expiresAt))
                """)
        }
    }

    public func session(id: String) async throws -> Session? {
        try await rows("session", "SELECT * FROM sessions WHERE id = \(id)").first.map { row in
            Session(id: try row.get("id"), userID: try row.get("user_id"), csrf: try row.get("csrf"), createdAt: try row.get("created_at"),
                    expiresAt: try row.get("expires_at"))
        }
    }

    public func deleteSession(id: String) async throws {
        try await rows("session", "DELETE FROM sessions WHERE id = \(id)")
    }

    public func recordLoginFailure(key: String, at: Date, since: Date) async throws -> Int {
        try await transaction("login failure") { tx in
            try await tx.rows("DELETE FROM login_failures WHERE at < \(since)")
            try await tx.rows("INSERT INTO login_failures (key, at) VALUES (\(key), \(at))")
            return try await tx.rows("SELECT count(*) AS n FROM login_failures WHERE key = \(key) AND at >= \(since)").first?.get("n") ?? 0
        }
    }

    public func loginFailures(key: String, since: Date) async throws -> Int {
        try await rows("login failure", "SELECT count(*) AS n FROM login_failures WHERE key = \(key) AND at >= \(since)").first?.get("n") ?? 0
    }

    public func clearLoginFailures(key: String) async throws {
        try await rows("login failure", "DELETE FROM login_failures WHERE key = \(key)")
    }

    public func createSetupToken(id: String, expiresAt: Date) async throws {
        try await transaction("setup token") { tx in
            _ = try await tx.rows("DELETE FROM setup_tokens")
            _ = try await tx.rows("INSERT INTO setup_tokens (id, expires_at) VALUES (\(id), \(expiresAt))")
        }
    }

    public func createFirstUser(_ user: User, setupTokenID tokenID: String, now: Date) async throws -> Bool {
        try await transaction("first user") { tx in
            // The table lock orders concurrent first-user transactions (on any server): the second sees the first's
            // user and creates none. Only ever taken while no user exists, so it costs nothing later.
            _ = try await tx.rows("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            guard let expires: Date = try await tx.rows("DELETE FROM setup_tokens WHERE id = \(tokenID) RETURNING expires_at").first?.get("expires_at"),
                  expires > now, let count: Int = try await tx.rows("SELECT count(*)::int AS n FROM users").first?.get("n"), count == 0 else { return false }
            _ = try await tx.rows("""
                INSERT INTO users (id, email, password_hash, role, created_at)
                VALUES (\(user.id), \(user.email), \(user.passwordHash), \(user.role.rawValue), \(user.createdAt))
                """)
            return true
        }
    }
}
