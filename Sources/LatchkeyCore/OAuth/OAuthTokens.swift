import Foundation

/// What a token endpoint granted, after provider quirks are undone.
public struct OAuthTokens: Sendable, Equatable {
    /// The access token.
    public var accessToken: String
    /// A refresh token, when the response carried one (a response without one keeps the old).
    public var refreshToken: String?
    /// Seconds until the access token expires, when the response said.
    public var expiresIn: Int?
    /// Granted scopes, when the response said.
    public var scopes: [String]?
    /// Response fields the provider file asks to keep (e.g. Salesforce `instance_url`).
    public var fields: [String: String]

    /// Creates tokens.
    public init(accessToken: String, refreshToken: String? = nil, expiresIn: Int? = nil, scopes: [String]? = nil, fields: [String: String] = [:]) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scopes = scopes
        self.fields = fields
    }
}
