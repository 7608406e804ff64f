import Foundation

/// Users and their API tokens.
public struct UserService: Sendable {
    let store: any Store
    let hasher: any PasswordHasher
    let clock: any WallClock

    /// Creates the service.
    public init(store: any Store, hasher: any PasswordHasher, clock: any WallClock) {
        self.store = store
        self.hasher = hasher
        self.clock = clock
    }

    /// The shortest password accepted.
    public static let minimumPasswordLength = 12

    /// Checks an email and password without storing anything; returns the normalised email.
    public static func validate(email rawEmail: String, password: String) throws(LatchkeyError) -> String {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.wholeMatch(of: /^[^@\s]+@[^@\s]+$/) != nil, email.count <= 254, !email.unicodeScalars.contains(where: CredentialService.isRefusedInName) else {
            throw .validationFailed(field: "email", message: "'\(email)' is not an email address")
        }
        guard password.count >= minimumPasswordLength else {
            throw .validationFailed(field: "password", message: "a password needs at least \(minimumPasswordLength) characters")
        }
        return email
    }

    /// Adds a user.
    public func add(email rawEmail: String, password: String, role: User.Role) async throws -> User {
        let user = try newUser(email: rawEmail, password: password, role: role)
        do { try await store.createUser(user) } catch StoreError.conflict { throw LatchkeyError.conflict("a user with email \(user.email) already exists") }
        try await recordCreated(user)
        return user
    }

    /// A checked, hashed user record, not yet stored.
    func newUser(email rawEmail: String, password: String, role: User.Role) throws -> User {
        let email = try Self.validate(email: rawEmail, password: password)
        return User(id: Identifier.make("usr"), email: email, passwordHash: hasher.hash(password), role: role, createdAt: clock.now)
    }

    /// The audit event of a new user.
    func recordCreated(_ user: User) async throws {
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "system", action: "user.created", targetType: "user", targetID: user.id,
                                                          detail: ["role": user.role.rawValue])
    }

    /// Creates an API token for the user with `email`; returns the token, shown once.
    public func createToken(email: String, name: String) async throws -> String {
        guard let user = try await store.user(email: email.lowercased()) else { throw LatchkeyError.notFound("user \(email)") }
        let token = SecretToken.generate(.userAPIToken)
        try await store.createAPIToken(APIToken(id: Identifier.make("tok"), userID: user.id, name: name, prefix: token.prefix, hash: token.hash, createdAt: clock.now))
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "system", action: "api_token.created", targetType: "api_token", targetID: token.prefix, detail: ["name": name])
        return token.value
    }

    /// The user a presented `lku_…` token belongs to, or `unauthorized`.
    public func authenticate(bearer: String?) async throws -> User {
        guard let bearer, let (prefix, hash) = SecretToken.parse(bearer, kind: .userAPIToken),
              let token = try await store.apiToken(prefix: prefix),
              SecretToken.constantTimeEquals(token.hash, hash),
              let user = try await store.user(id: token.userID)
        else { throw LatchkeyError.unauthorized }
        return user
    }
}
