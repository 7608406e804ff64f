/// Users and their API tokens.
public protocol UserStore: Sendable {
    /// Inserts a user; throws `StoreError.conflict` for a taken email.
    func createUser(_ user: User) async throws
    /// The user with `id`.
    func user(id: String) async throws -> User?
    /// The user with `email` (lowercased).
    func user(email: String) async throws -> User?
    /// How many users exist.
    func userCount() async throws -> Int
    /// Inserts an API token.
    func createAPIToken(_ token: APIToken) async throws
    /// The token with this public prefix.
    func apiToken(prefix: String) async throws -> APIToken?
}
