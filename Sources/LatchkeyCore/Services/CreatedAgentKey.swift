/// A newly created agent key: the only moment the full key exists outside the agent.
public struct CreatedAgentKey: Sendable {
    /// The stored record.
    public var record: AgentKey
    /// The full key, shown once.
    public var key: String
}
