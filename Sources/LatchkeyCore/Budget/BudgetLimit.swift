/// At most `calls` calls per window of `per`, to one provider or (`provider` nil) to all of them together.
public struct BudgetLimit: Sendable, Equatable, Hashable, Codable {
    /// The provider counted, or nil for every call of the group.
    public var provider: String?
    /// The window.
    public var per: BudgetPeriod
    /// Calls admitted per window.
    public var calls: Int

    public init(provider: String?, per: BudgetPeriod, calls: Int) {
        self.provider = provider
        self.per = per
        self.calls = calls
    }

    /// Whether a call to `provider` counts against this limit.
    public func applies(to provider: String) -> Bool { self.provider == nil || self.provider == provider }

    /// The scope as stored with usage counts: the provider, or `*` for all.
    public var scope: String { provider ?? "*" }
}
