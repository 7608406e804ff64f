import Foundation

/// A consent flow in progress: what the callback needs to finish it. Stored under the SHA-256 of the `state`
/// value, single use, expiring after ten minutes, and bound to the user who started it.
public struct OAuthState: Sendable, Equatable {
    /// SHA-256 (hex) of the state value sent to the provider.
    public var id: String
    /// The user who started the flow.
    public var userID: String
    /// The provider.
    public var provider: String
    /// The name for a new credential.
    public var name: String
    /// The credential being reconnected, if any.
    public var credentialID: String?
    /// Requested scopes.
    public var scopes: [String]
    /// Connect-time non-secret fields (e.g. a shop domain).
    public var fields: [String: String]
    /// SHA-256 of a browser cookie the flow was started with, when started from the dashboard.
    public var browserBinding: Data?
    /// Created.
    public var createdAt: Date
    /// The callback must come before this.
    public var expiresAt: Date

    /// The request this flow was made from (to start it in a browser after a start link was opened).
    public var request: ConsentRequest {
        // The client and endpoints a discovery chose are chosen again when the request is started: they are not fields a user gives.
        ConsentRequest(provider: provider, name: name, scopes: scopes, credentialID: credentialID,
                       fields: fields.filter { !DiscoveredClients.connectionFields.contains($0.key) })
    }

    /// The record id used as authenticated data for the sealed PKCE verifier.
    public var verifierRecordID: String { "oauthstate:\(id)" }

    /// Creates a state.
    public init(id: String, userID: String, provider: String, name: String, credentialID: String?, scopes: [String], fields: [String: String], browserBinding: Data?, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.userID = userID
        self.provider = provider
        self.name = name
        self.credentialID = credentialID
        self.scopes = scopes
        self.fields = fields
        self.browserBinding = browserBinding
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
