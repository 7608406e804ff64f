/// What one read of the store gives the proxy for an agent key and a provider.
public struct AgentAccess: Sendable {
    public var key: AgentKey
    /// The key's group, with its budget.
    public var group: AgentGroup
    /// The credential bound for the provider, if any.
    public var credential: Credential?
    /// The binding's policy, if it has one.
    public var policy: BindingPolicy?

    public init(key: AgentKey, group: AgentGroup, credential: Credential?, policy: BindingPolicy?) {
        self.key = key
        self.group = group
        self.credential = credential
        self.policy = policy
    }
}
