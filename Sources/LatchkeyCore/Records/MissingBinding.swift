import Foundation

/// A provider that a group's agents asked for while the group had no binding for it.
public struct MissingBinding: Sendable, Equatable {
    /// The group.
    public var groupID: String
    /// The provider id.
    public var provider: String
    /// How many calls were refused.
    public var count: Int
    /// The first refused call.
    public var firstSeen: Date
    /// The latest refused call.
    public var lastSeen: Date

    /// Creates a record.
    public init(groupID: String, provider: String, count: Int, firstSeen: Date, lastSeen: Date) {
        self.groupID = groupID
        self.provider = provider
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
