import Foundation

/// First run: while no user exists, a one-time link lets the person who started the server create the first admin.
public struct SetupService: Sendable {
    let store: any Store
    let users: UserService
    let clock: any WallClock
    let links: SetupLinks
    /// How long a setup link stays valid.
    public static let lifetime: TimeInterval = 24 * 3600

    /// Creates the service.
    public init(store: any Store, users: UserService, clock: any WallClock, links: SetupLinks) {
        self.store = store
        self.users = users
        self.clock = clock
        self.links = links
    }

    /// A fresh one-time setup link, or nil when users already exist.
    public func link() async throws -> String? {
        guard try await store.userCount() == 0 else { return nil }
        let token = PKCE.randomToken()
        try await store.createSetupToken(id: PKCE.stateID(token), expiresAt: clock.now.addingTimeInterval(Self.lifetime))
        return "\(links.publicURL)/setup?token=\(token)"
    }

    /// Whether `token` could still create the first admin (no user yet; the token is checked when used).
    public func isOpen() async throws -> Bool { try await store.userCount() == 0 }

    /// Creates the first admin with the token; the token works once and only while no user exists. The token is
    /// used up and the user created in one transaction, so two submissions at once (of one link, or of two links
    /// from two starts) create exactly one admin.
    public func complete(token: String, email: String, password: String) async throws -> User {
        guard try await store.userCount() == 0 else { throw LatchkeyError.forbidden("Latchkey is already set up; sign in instead") }
        // A refused email or password must not use up the one-time link.
        _ = try UserService.validate(email: email, password: password)
        guard !token.isEmpty, token.utf8.count <= 128 else { throw Self.invalidLink }
        let user = try users.newUser(email: email, password: password, role: .admin)
        guard try await store.createFirstUser(user, setupTokenID: PKCE.stateID(token), now: clock.now) else {
            if try await store.userCount() > 0 { throw LatchkeyError.forbidden("Latchkey is already set up; sign in instead") }
            throw Self.invalidLink
        }
        try await users.recordCreated(user)
        return user
    }

    static let invalidLink = LatchkeyError.forbidden("this setup link is invalid, used, replaced or expired; restart `latchkey serve` for a new one")
}
