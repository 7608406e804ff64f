import Foundation

/// Consent flows in progress, shared by every server on the database so any of them can take the callback.
public protocol OAuthStateStore: Sendable {
    /// Stores a new flow with its sealed PKCE verifier; prunes expired ones.
    func createOAuthState(_ state: OAuthState, verifier: SealedValue?) async throws
    /// Removes and returns the flow with `id` if it exists and has not expired at `now`: a state works once.
    func consumeOAuthState(id: String, now: Date) async throws -> (OAuthState, SealedValue?)?
}
