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
    /// What the group's agents may do with it; nil allows everything under the provider's base URL.
    public var policy: BindingPolicy?

    /// Creates a binding.
    public init(groupID: String, provider: String, credentialID: String, createdAt: Date, policy: BindingPolicy? = nil) {
        self.groupID = groupID
        self.provider = provider
        self.credentialID = credentialID
        self.createdAt = createdAt
        self.policy = policy
    }
}
