import Foundation

/// Something that needs the user, with the link that fixes it.
public struct Warning: Sendable, Equatable {
    /// What kind: `credential_missing`, `credential_needs_reauth`, `refresh_failing`.
    public var kind: String
    /// The group concerned, for missing bindings.
    public var groupID: String?
    /// The credential concerned.
    public var credentialID: String?
    /// The provider.
    public var provider: String
    /// A sentence for people.
    public var message: String
    /// Where to fix it.
    public var setupURL: String
    /// When it was last seen.
    public var lastSeen: Date?
}
