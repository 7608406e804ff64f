import Foundation

extension MemoryStore {
    public func createSession(_ session: Session) async throws {
        let survives = tables.sessions[session.id].map { $0.expiresAt >= session.createdAt } ?? false
        guard !survives else { throw StoreError.conflict("session") }
        guard tables.users[session.userID] != nil else { throw Self.missing("user") }
        tables.sessions = tables.sessions.filter { $0.value.expiresAt >= session.createdAt }
        tables.sessions[session.id] = session
    }

    public func session(id: String) async throws -> Session? { tables.sessions[id] }

    public func deleteSession(id: String) async throws {
        tables.sessions[id] = nil
    }

    public func recordLoginFailure(key: String, at: Date, since: Date) async throws -> Int {
        // Prunes every key's failures older than the window, as the SQL does.
        tables.loginFailures.removeAll { $0.at < since }
        tables.loginFailures.append((key: key, at: at))
        return failures(key: key, since: since)
    }

    public func loginFailures(key: String, since: Date) async throws -> Int { failures(key: key, since: since) }

    public func clearLoginFailures(key: String) async throws {
        tables.loginFailures.removeAll { $0.key == key }
    }

    public func createSetupToken(id: String, expiresAt: Date) async throws {
        tables.setupTokens = [id: expiresAt]
    }

    public func createFirstUser(_ user: User, setupTokenID tokenID: String, now: Date) async throws -> Bool {
        // The token is used up even when it has expired or a user exists (the SQL deletes it, then checks).
        guard let expires = tables.setupTokens.removeValue(forKey: tokenID) else { return false }
        guard expires > now, tables.users.isEmpty else { return false }
        try insertUser(user, what: "first user")
        return true
    }

    private func failures(key: String, since: Date) -> Int {
        tables.loginFailures.count(where: { $0.key == key && $0.at >= since })
    }
}
