import Foundation

/// (group, provider) → credential: which credential a group's agents use for a provider.
public struct Binding: Sendable, Equatable {
    /// The group.
    public var groupID: String
    /// The provider id.
    public var provider: String
    /// The bound credential.
    public var credentialID: String
    /// When it was bound.
    public var createdAt: Date

    /// Creates a binding.
    public init(groupID: String, provider: String, credentialID: String, createdAt: Date) {
        self.groupID = groupID
        self.provider = provider
        self.credentialID = credentialID
        self.createdAt = createdAt
    }
}
