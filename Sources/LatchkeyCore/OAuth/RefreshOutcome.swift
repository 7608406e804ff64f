/// What one refresh attempt came to, for passes, metrics and logs.
public enum RefreshOutcome: String, Sendable, CaseIterable {
    /// New tokens were stored.
    case refreshed
    /// Another process or call did it first; its result was used.
    case joined
    /// Not due, backing off, or leased elsewhere past the wait: nothing done.
    case skipped
    /// A permanent error: the credential now needs new consent.
    case needsReauth = "needs_reauth"
    /// A transient error: retried later.
    case failed
}

/// Receives refresh outcomes (the server counts them as metrics).
public protocol RefreshObserver: Sendable {
    /// Called once per attempt.
    func refreshed(provider: String, outcome: RefreshOutcome)
}
