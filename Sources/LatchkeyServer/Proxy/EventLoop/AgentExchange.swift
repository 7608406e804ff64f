/// A call answered on the event loop (`ProxyExchange`, `MCPRelayExchange`), as its agent connection's handler sees
/// it while it is under way.
protocol AgentExchange: AnyObject {
    func start()
    /// The agent went away.
    func cancel()
    /// The agent's connection closes after this response (the server is shutting down).
    func closeAfterResponse()
    /// Back-pressure: the agent's connection filled up, or drained.
    func agentWritabilityChanged(_ writable: Bool)
}
