import Foundation

extension MemoryStore {
    public func createUser(_ user: User) async throws {
        try insertUser(user, what: "user \(user.email)")
    }

    public func user(id: String) async throws -> User? { tables.users[id] }

    public func user(email: String) async throws -> User? { tables.users.values.first { $0.email == email } }

    public func userCount() async throws -> Int { tables.users.count }

    public func createAPIToken(_ token: APIToken) async throws {
        guard tables.apiTokens[token.id] == nil, !tables.apiTokens.values.contains(where: { $0.prefix == token.prefix }) else { throw StoreError.conflict("api token") }
        guard tables.users[token.userID] != nil else { throw Self.missing("user") }
        tables.apiTokens[token.id] = token
    }

    public func apiToken(prefix: String) async throws -> APIToken? { tables.apiTokens.values.first { $0.prefix == prefix } }

    /// Inserts a user: its id and email are unique.
    func insertUser(_ user: User, what: String) throws {
        guard tables.users[user.id] == nil, !tables.users.values.contains(where: { $0.email == user.email }) else { throw StoreError.conflict(what) }
        tables.users[user.id] = user
    }
}
