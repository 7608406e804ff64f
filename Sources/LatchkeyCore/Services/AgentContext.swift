/// An authenticated agent: its key and group.
public struct AgentContext: Sendable {
    /// The key presented.
    public var key: AgentKey
    /// The key's group.
    public var group: AgentGroup
}
