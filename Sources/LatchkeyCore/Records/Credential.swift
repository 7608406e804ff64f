import Foundation

/// A user's record for one provider. Secret values are held only sealed.
public struct Credential: Sendable, Equatable {
    /// The record id; also part of every sealed value's authenticated data.
    public var id: String
    /// The owning user.
    public var ownerID: String
    /// The provider id.
    public var provider: String
    /// A user-chosen name.
    public var name: String
    /// The provider's auth mode when the credential was created.
    public var authMode: AuthMode
    /// Status.
    public var status: CredentialStatus
    /// Why the status is what it is (no secret), e.g. the provider's error code.
    public var statusReason: String?
    /// Non-secret field values, shown as they are.
    public var publicFields: [String: String]
    /// Secret field values, sealed for (id, field name).
    public var secrets: [String: SealedValue]
    /// When the access token expires (OAuth).
    public var expiresAt: Date?
    /// Granted scopes (OAuth).
    public var scopes: [String]
    /// When the current access token was issued (OAuth): with `expiresAt`, its lifetime.
    public var tokenIssuedAt: Date?
    /// Consecutive transient refresh failures.
    public var refreshFailures: Int
    /// No refresh attempt before this time (back-off after a transient failure).
    public var nextRefreshAt: Date?
    /// Bumped on every write; writes check it so that a stale writer never overwrites a newer value.
    public var version: Int
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a credential.
    public init(
        id: String, ownerID: String, provider: String, name: String, authMode: AuthMode, status: CredentialStatus = .active,
        statusReason: String? = nil, publicFields: [String: String] = [:], secrets: [String: SealedValue] = [:],
        expiresAt: Date? = nil, scopes: [String] = [], tokenIssuedAt: Date? = nil, refreshFailures: Int = 0, nextRefreshAt: Date? = nil,
        version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.ownerID = ownerID
        self.provider = provider
        self.name = name
        self.authMode = authMode
        self.status = status
        self.statusReason = statusReason
        self.publicFields = publicFields
        self.secrets = secrets
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.tokenIssuedAt = tokenIssuedAt
        self.refreshFailures = refreshFailures
        self.nextRefreshAt = nextRefreshAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
