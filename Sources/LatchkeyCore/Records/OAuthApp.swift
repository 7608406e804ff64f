import Foundation

/// The client registration a deployment holds with an OAuth provider. The secret is sealed.
public struct OAuthApp: Sendable, Equatable {
    /// The provider id.
    public var provider: String
    /// The client id (not secret).
    public var clientID: String
    /// The client secret, sealed for (`recordID`, `client_secret`).
    public var clientSecret: SealedValue
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a record.
    public init(provider: String, clientID: String, clientSecret: SealedValue, updatedAt: Date) {
        self.provider = provider
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.updatedAt = updatedAt
    }

    /// The record id used as authenticated data for the sealed secret.
    public static func recordID(provider: String) -> String { "oauthapp:\(provider)" }
}
