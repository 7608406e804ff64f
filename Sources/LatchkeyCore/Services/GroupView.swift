import Foundation

/// A group with its keys (by prefix) and bindings, as users see it.
public struct GroupView: Sendable, Equatable {
    /// The group.
    public var group: AgentGroup
    /// Its keys; hashes never leave the store layer.
    public var keys: [AgentKey]
    /// Its bindings.
    public var bindings: [Binding]
}
