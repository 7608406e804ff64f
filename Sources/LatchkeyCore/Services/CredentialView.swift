import Foundation

/// A credential as users see it: every secret field masked.
public struct CredentialView: Sendable, Equatable {
    /// What every secret value reads as.
    public static let mask = "********"

    /// The record id.
    public var id: String
    /// The provider id.
    public var provider: String
    /// The name.
    public var name: String
    /// The auth mode.
    public var authMode: AuthMode
    /// The status.
    public var status: CredentialStatus
    /// Why, when not active.
    public var statusReason: String?
    /// Field values, secrets masked.
    public var fields: [String: String]
    /// Expiry (OAuth).
    public var expiresAt: Date?
    /// Granted scopes (OAuth).
    public var scopes: [String]
    /// Created.
    public var createdAt: Date
    /// Last changed.
    public var updatedAt: Date

    /// The masked view of `credential`.
    public init(_ credential: Credential) {
        id = credential.id
        provider = credential.provider
        name = credential.name
        authMode = credential.authMode
        status = credential.status
        statusReason = credential.statusReason
        var fields = credential.publicFields
        for name in credential.secrets.keys { fields[name] = Self.mask }
        self.fields = fields
        expiresAt = credential.expiresAt
        scopes = credential.scopes
        createdAt = credential.createdAt
        updatedAt = credential.updatedAt
    }
}
