import Foundation
import Synchronization

/// Signing in and out of the dashboard, with throttling that holds across servers (it lives in the database).
public struct SessionService: Sendable {
    let store: any Store
    let hasher: any PasswordHasher
    let checks: any PasswordCheckPool
    let clock: any WallClock
    /// How long a session lasts.
    public static let lifetime: TimeInterval = 12 * 3600

    let dummyHash = DummyHash()

    /// Creates the service; `checks` is where password hashes are checked.
    public init(store: any Store, hasher: any PasswordHasher, clock: any WallClock, checks: any PasswordCheckPool = InlinePasswordChecks()) {
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.checks = checks
    }

    /// Checks the password and opens a session; returns the cookie value (shown to the browser only) and the session.
    /// `client` is the address the attempt came from (see `SignInThrottle`).
    public func signIn(email rawEmail: String, password: String, client: String) async throws -> (cookie: String, session: Session, user: User) {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let now = clock.now
        let since = now.addingTimeInterval(-SignInThrottle.window)
        let pairKey = SignInThrottle.pairKey(email: email, client: client), clientKey = SignInThrottle.clientKey(client)
        let pairFailures = try await store.loginFailures(key: pairKey, since: since)
        let wait = SignInThrottle.delay(afterFailures: pairFailures)
        if wait > 0, try await store.loginFailures(key: pairKey, since: now.addingTimeInterval(-wait)) > 0 {
            throw SignInError.throttled(retryAfter: Int(wait.rounded(.up)))
        }
        if try await store.loginFailures(key: clientKey, since: since) >= SignInThrottle.maxFailuresPerClient {
            throw SignInError.throttled(retryAfter: Int(SignInThrottle.window))
        }
        let user = try await store.user(email: email)
        // Verify against a real hash of the same cost when the user does not exist, so timing does not reveal which emails exist.
        let hasher = hasher, dummyHash = dummyHash, storedHash = user?.passwordHash
        let matches = try await checks.run { hasher.verify(password, hash: storedHash ?? dummyHash.value(hasher)) }
        guard matches, let user else {
            let pairCount = try await store.recordLoginFailure(key: pairKey, at: now, since: since)
            let clientCount = try await store.recordLoginFailure(key: clientKey, at: now, since: since)
            if SignInThrottle.audited(accountExists: user != nil, pairFailures: pairCount, clientFailures: clientCount) {
                try await AuditLog(store: store, clock: clock).record(ownerID: user?.id ?? "unknown", actor: "client:\(client)", action: "user.sign_in_failed",
                                                                      targetType: "user", targetID: user?.id ?? "unknown",
                                                                      detail: ["failures": "\(user == nil ? clientCount : pairCount)"])
            }
            throw SignInError.invalid
        }
        try await store.clearLoginFailures(key: pairKey)
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
