import Crypto
import Foundation

/// The OAuth client Latchkey is at one authorization server for one redirect URI: registered dynamically (RFC 7591),
/// or a client ID metadata document's URL. Made at the first connect and reused by every later connect, code
/// exchange and refresh, so a token is always refreshed by the client it was issued to. The secret, when the server
/// gave one, is sealed.
public struct OAuthRegistration: Sendable, Equatable {
    /// The authorization server's issuer identifier (RFC 8414), exactly as its metadata states it.
    public var issuer: String
    /// The redirect URI the client was registered with: `{public_url}/oauth/callback`.
    public var redirectURI: String
    /// The client id.
    public var clientID: String
    /// The client secret, sealed for (`recordID`, `client_secret`); nil for a public client.
    public var clientSecret: SealedValue?
    /// How the client authenticates at the token endpoint.
    public var tokenEndpointAuth: OAuthSettings.TokenEndpointAuth
    /// The authorization server's metadata as last discovered (JSON): where the endpoints are.
    public var metadataJSON: String
    /// How the client came to be: `dynamic` (RFC 7591) or `metadata_document`.
    public var kind: String
    /// When it was made, and when its metadata last changed.
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a record.
    public init(issuer: String, redirectURI: String, clientID: String, clientSecret: SealedValue?, tokenEndpointAuth: OAuthSettings.TokenEndpointAuth,
                metadataJSON: String, kind: String, createdAt: Date, updatedAt: Date) {
        self.issuer = issuer
        self.redirectURI = redirectURI
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenEndpointAuth = tokenEndpointAuth
        self.metadataJSON = metadataJSON
        self.kind = kind
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The record's key and the authenticated data of its sealed secret: one registration per issuer and redirect URI.
    public var recordID: String { Self.recordID(issuer: issuer, redirectURI: redirectURI) }

    /// The key of the registration at `issuer` for `redirectURI`.
    public static func recordID(issuer: String, redirectURI: String) -> String {
        let digest = SHA256.hash(data: Data((issuer + "\n" + redirectURI).utf8))
        return "oauthreg:" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
