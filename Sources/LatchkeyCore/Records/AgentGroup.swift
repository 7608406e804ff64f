import Foundation

/// A scope agents act under; holds agent keys and bindings.
public struct AgentGroup: Sendable, Equatable {
    /// The record id.
    public var id: String
    /// The owning user.
    public var ownerID: String
    /// A name, unique per user.
    public var name: String
    /// When it was created.
    public var createdAt: Date
    /// Its limits; nil limits nothing.
    public var budget: Budget?

    /// Creates a group.
    public init(id: String, ownerID: String, name: String, createdAt: Date, budget: Budget? = nil) {
        self.id = id
        self.ownerID = ownerID
        self.name = name
        self.createdAt = createdAt
        self.budget = budget
    }

    /// Whether the group's budget has expired at `now`, which stops its keys.
    public func isExpired(at now: Date) -> Bool { budget?.isExpired(at: now) ?? false }
}
