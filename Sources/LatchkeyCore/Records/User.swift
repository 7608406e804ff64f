import Foundation

/// A person using Latchkey.
public struct User: Sendable, Equatable {
    /// The record id.
    public var id: String
    /// The sign-in email, stored lowercased.
    public var email: String
    /// The bcrypt hash of the password.
    public var passwordHash: String
    /// What the user may do.
    public var role: Role
    /// When the user was created.
    public var createdAt: Date

    /// A user's role.
    public enum Role: String, Sendable, Equatable {
        case admin
        case member
    }

    /// Creates a user.
    public init(id: String, email: String, passwordHash: String, role: Role, createdAt: Date) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.createdAt = createdAt
    }
}
