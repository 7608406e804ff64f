import Foundation

/// OAuth clients Latchkey registered at authorization servers it discovered (remote MCP servers).
public protocol OAuthRegistrationStore: Sendable {
    /// The registration at `issuer` for `redirectURI`.
    func oauthRegistration(issuer: String, redirectURI: String) async throws -> OAuthRegistration?
    /// The registration at `issuer` whose client id is `clientID`, whatever its redirect URI: the one a credential's
    /// tokens were issued to (servers behind different public URLs each register their own redirect URI).
    func oauthRegistration(issuer: String, clientID: String) async throws -> OAuthRegistration?
    /// Stores `registration` unless one exists for its issuer and redirect URI, and returns the one stored: when two
    /// servers register at once, both go on with the first one's client, so no token is ever issued to a client that
    /// is then forgotten.
    func createOAuthRegistration(_ registration: OAuthRegistration) async throws -> OAuthRegistration
    /// Replaces the stored metadata (the endpoints) of a registration, after a discovery found them changed.
    func updateOAuthRegistrationMetadata(issuer: String, redirectURI: String, metadataJSON: String, at: Date) async throws
}
