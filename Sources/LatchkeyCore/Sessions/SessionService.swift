import Foundation
import Synchronization

/// Signing in and out of the dashboard, with throttling that holds across servers (it lives in the database).
public struct SessionService: Sendable {
    let store: any Store
    let hasher: any PasswordHasher
    let clock: any WallClock
    /// How long a session lasts.
    public static let lifetime: TimeInterval = 12 * 3600
    /// The throttling window.
    public static let window: TimeInterval = 15 * 60
    /// Failures per email within the window before sign-in pauses.
    public static let maxFailuresPerEmail = 5
    /// Failures per client address within the window before sign-in pauses.
    public static let maxFailuresPerClient = 20

    let dummyHash = DummyHash()

    /// Creates the service.
    public init(store: any Store, hasher: any PasswordHasher, clock: any WallClock) {
        self.store = store
        self.hasher = hasher
        self.clock = clock
    }

    /// Checks the password and opens a session; returns the cookie value (shown to the browser only) and the session.
    public func signIn(email rawEmail: String, password: String, client: String) async throws -> (cookie: String, session: Session, user: User) {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let now = clock.now
        let since = now.addingTimeInterval(-Self.window)
        let keys = ["email:\(email)", "client:\(client)"]
        let emailFailures = try await store.loginFailures(key: keys[0], since: since)
        let clientFailures = try await store.loginFailures(key: keys[1], since: since)
        if emailFailures >= Self.maxFailuresPerEmail || clientFailures >= Self.maxFailuresPerClient {
            throw SignInError.throttled(retryAfter: Int(Self.window))
        }
        let user = try await store.user(email: email)
        // Verify against a real hash of the same cost when the user does not exist, so timing does not reveal which emails exist.
        let hash = user?.passwordHash ?? dummyHash.value(hasher)
        guard hasher.verify(password, hash: hash), let user else {
            for key in keys { _ = try await store.recordLoginFailure(key: key, at: now, since: since) }
            try await AuditLog(store: store, clock: clock).record(ownerID: user?.id ?? "unknown", actor: "client:\(client)", action: "user.sign_in_failed",
                                                                  targetType: "user", targetID: user?.id ?? "unknown")
            throw SignInError.invalid
        }
        try await store.clearLoginFailures(key: keys[0])
        let (cookie, session) = try await open(for: user)
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "user:\(user.id)", action: "user.signed_in", targetType: "user", targetID: user.id)
        return (cookie, session, user)
    }

    /// Opens a session for `user` (after sign-in or first-run setup).
    public func open(for user: User) async throws -> (cookie: String, session: Session) {
        let cookie = PKCE.randomToken()
        let now = clock.now
        let session = Session(id: Self.id(of: cookie), userID: user.id, csrf: PKCE.randomToken(), createdAt: now, expiresAt: now.addingTimeInterval(Self.lifetime))
        try await store.createSession(session)
        return (cookie, session)
    }

    /// The user and session behind a cookie value, or nil.
    public func authenticate(cookie: String?) async throws -> (User, Session)? {
        guard let cookie, cookie.count == 43, let session = try await store.session(id: Self.id(of: cookie)), session.expiresAt > clock.now,
              let user = try await store.user(id: session.userID)
        else { return nil }
        return (user, session)
    }

    /// Ends the session behind a cookie value.
    public func signOut(cookie: String?) async throws {
        guard let cookie else { return }
        try await store.deleteSession(id: Self.id(of: cookie))
    }

    /// Whether a submitted CSRF token matches the session's, compared in constant time.
    public static func csrfMatches(_ submitted: String?, _ expected: String) -> Bool {
        guard let submitted else { return false }
        return SecretToken.constantTimeEquals(Data(submitted.utf8), Data(expected.utf8))
    }

    static func id(of cookie: String) -> String { PKCE.stateID(cookie) }
}

/// A password hash of a random password, made on first need (bcrypt is deliberately slow).
final class DummyHash: Sendable {
    private let hash = Mutex<String?>(nil)

    func value(_ hasher: any PasswordHasher) -> String {
        hash.withLock { existing in
            if let existing { return existing }
            let made = hasher.hash(PKCE.randomToken())
            existing = made
            return made
        }
    }
}
