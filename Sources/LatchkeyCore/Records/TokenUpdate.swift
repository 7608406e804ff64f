import Foundation

/// New tokens for a credential, written in one transaction: the access token, the (rotated) refresh token and the
/// expiry together, so no reader ever sees a new access token beside a spent refresh token.
public struct TokenUpdate: Sendable, Equatable {
    /// The credential.
    public var credentialID: String
    /// The new access token, sealed for (credential id, `access_token`).
    public var accessToken: SealedValue
    /// A new refresh token; nil keeps the stored one (the response did not rotate it).
    public var refreshToken: SealedValue?
    /// When the access token expires.
    public var expiresAt: Date?
    /// When it was issued.
    public var issuedAt: Date
    /// Granted scopes, when the response said.
    public var scopes: [String]?
    /// Token-response fields to keep (merged into the credential's public fields).
    public var tokenFields: [String: String]

    /// Creates an update.
    public init(credentialID: String, accessToken: SealedValue, refreshToken: SealedValue?, expiresAt: Date?, issuedAt: Date, scopes: [String]?, tokenFields: [String: String]) {
        self.credentialID = credentialID
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.scopes = scopes
        self.tokenFields = tokenFields
    }
}
