import Foundation

/// Browser sessions, login throttling and first-run setup tokens: in the database, so any server takes any request.
public protocol SessionStore: Sendable {
    /// Stores a session.
    func createSession(_ session: Session) async throws
    /// The session with `id` (callers check expiry).
    func session(id: String) async throws -> Session?
    /// Ends a session.
    func deleteSession(id: String) async throws
    /// Records a failed sign-in for `key` at `at` and returns the failures for it since `since`.
    func recordLoginFailure(key: String, at: Date, since: Date) async throws -> Int
    /// Failures for `key` since `since`.
    func loginFailures(key: String, since: Date) async throws -> Int
    /// Forgets the failures of `key` (after a successful sign-in).
    func clearLoginFailures(key: String) async throws
    /// Stores a one-time setup token (its SHA-256), revoking every older one: only the newest link works.
    func createSetupToken(id: String, expiresAt: Date) async throws
    /// In one transaction: uses up the setup token `tokenID` and creates `user`, only if the token is unexpired at
    /// `now` and no user exists. True when the user was created; concurrent calls create at most one user.
    func createFirstUser(_ user: User, setupTokenID tokenID: String, now: Date) async throws -> Bool
}
