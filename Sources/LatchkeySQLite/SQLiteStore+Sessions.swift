import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createSession(_ session: Session) async throws {
        try await write("session") { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [session.createdAt.seconds])
            try db.execute(sql: "INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [session.id, session.userID, session.csrf, session.createdAt.seconds, session.expiresAt.seconds])
        }
    }

    public func session(id: String) async throws -> Session? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM sessions WHERE id = ?"), arguments: [id]).map { row in
                Session(id: row["id"], userID: row["user_id"], csrf: row["csrf"], createdAt: Date(seconds: row["created_at"]), expiresAt: Date(seconds: row["expires_at"]))
            }
        }
    }

    public func deleteSession(id: String) async throws {
        try await write("session") { db in try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [id]) }
    }

    public func recordLoginFailure(key: String, at: Date, since: Date) async throws -> Int {
        try await write("login failure") { db in
            try db.execute(sql: "DELETE FROM login_failures WHERE at < ?", arguments: [since.seconds])
            try db.execute(sql: "INSERT INTO login_failures (key, at) VALUES (?, ?)", arguments: [key, at.seconds])
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?", arguments: [key, since.seconds]) ?? 0
        }
    }

    public func loginFailures(key: String, since: Date) async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?", arguments: [key, since.seconds]) ?? 0 }
    }

    public func clearLoginFailures(key: String) async throws {
        try await write("login failure") { db in try db.execute(sql: "DELETE FROM login_failures WHERE key = ?", arguments: [key]) }
    }

    public func createSetupToken(id: String, expiresAt: Date) async throws {
        try await write("setup token") { db in
            try db.execute(sql: "DELETE FROM setup_tokens")
            try db.execute(sql: "INSERT INTO setup_tokens (id, expires_at) VALUES (?, ?)", arguments: [id, expiresAt.seconds])
        }
    }

    public func createFirstUser(_ user: User, setupTokenID tokenID: String, now: Date) async throws -> Bool {
        // SQLite runs one write transaction at a time, so the check and the insert cannot interleave with another's.
        try await write("first user") { db in
            guard let expires = try Double.fetchOne(db, sql: "DELETE FROM setup_tokens WHERE id = ? RETURNING expires_at", arguments: [tokenID]),
                  expires > now.seconds, try Int.fetchOne(db, sql: "SELECT count(*) FROM users") == 0 else { return false }
            try db.execute(sql: "INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [user.id, user.email, user.passwordHash, user.role.rawValue, user.createdAt.seconds])
            return true
        }
    }
}
