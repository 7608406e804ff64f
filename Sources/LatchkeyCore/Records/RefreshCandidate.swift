import Foundation

/// The little a refresh pass needs to decide whether a credential is due, without opening any secret.
public struct RefreshCandidate: Sendable, Equatable {
    /// The credential.
    public var id: String
    /// Its provider.
    public var provider: String
    /// Its status.
    public var status: CredentialStatus
    /// When its access token expires.
    public var expiresAt: Date?
    /// When the access token was issued.
    public var tokenIssuedAt: Date?
    /// Back-off: no attempt before this.
    public var nextRefreshAt: Date?
    /// Whether it holds an access token.
    public var hasAccessToken: Bool
    /// Whether it holds a refresh token.
    public var hasRefreshToken: Bool
    /// When it was created.
    public var createdAt: Date

    /// Creates a candidate.
    public init(id: String, provider: String, status: CredentialStatus, expiresAt: Date?, tokenIssuedAt: Date?, nextRefreshAt: Date?, hasAccessToken: Bool, hasRefreshToken: Bool, createdAt: Date) {
        self.id = id
        self.provider = provider
        self.status = status
        self.expiresAt = expiresAt
        self.tokenIssuedAt = tokenIssuedAt
        self.nextRefreshAt = nextRefreshAt
        self.hasAccessToken = hasAccessToken
        self.hasRefreshToken = hasRefreshToken
        self.createdAt = createdAt
    }
}
