/// What a binding's policy says about one call.
public enum PolicyDecision: Sendable, Equatable {
    /// Within the rules.
    case allowed
    /// Outside them; the text says which rule set refused.
    case denied(String)
    /// Allowed once a person approves it: the index of the approval rule that caught the call.
    case needsApproval(rule: Int)
}
