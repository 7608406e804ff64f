import Foundation

/// A signed-in browser. Stored under the SHA-256 of its cookie value; the cookie value itself never rests anywhere.
public struct Session: Sendable, Equatable {
    /// SHA-256 (hex) of the cookie value.
    public var id: String
    /// The user.
    public var userID: String
    /// The CSRF token every form of this session carries.
    public var csrf: String
    /// Created.
    public var createdAt: Date
    /// Not valid after this.
    public var expiresAt: Date

    /// Creates a session.
    public init(id: String, userID: String, csrf: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.userID = userID
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
