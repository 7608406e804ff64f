/// What one refresh came to: the credential to use now, and what happened to it.
public struct RefreshResult: Sendable {
    /// The credential as it stands after the attempt (refreshed, joined, or unchanged).
    public let credential: Credential
    /// What happened.
    public let outcome: RefreshOutcome

    /// Creates a result.
    public init(_ credential: Credential, _ outcome: RefreshOutcome) {
        self.credential = credential
        self.outcome = outcome
    }
}
