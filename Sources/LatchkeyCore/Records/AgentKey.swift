import Foundation

/// An agent key (`lka_…`) of a group, stored as its prefix and hash only.
public struct AgentKey: Sendable, Equatable {
    /// The record id.
    public var id: String
    /// The group it acts for.
    public var groupID: String
    /// The public lookup handle.
    public var prefix: String
    /// SHA-256 of the key.
    public var hash: Data
    /// When it was created.
    public var createdAt: Date

    /// Creates a key record.
    public init(id: String, groupID: String, prefix: String, hash: Data, createdAt: Date) {
        self.id = id
        self.groupID = groupID
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
    }
}
