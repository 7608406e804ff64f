import Foundation

/// A user API token (`lku_…`), stored as its prefix and hash only.
public struct APIToken: Sendable, Equatable {
    /// The record id.
    public var id: String
    /// The user it acts for.
    public var userID: String
    /// A label.
    public var name: String
    /// The public lookup handle.
    public var prefix: String
    /// SHA-256 of the token.
    public var hash: Data
    /// When it was created.
    public var createdAt: Date

    /// Creates a token record.
    public init(id: String, userID: String, name: String, prefix: String, hash: Data, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
    }
}
