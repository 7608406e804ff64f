import Foundation

/// One limit of a budget and the calls counted against it in its current window.
public struct LimitUsage: Sendable, Equatable {
    public var limit: BudgetLimit
    /// Calls admitted in the window (see `BudgetGate.usage` for how exact this is across servers).
    public var used: Int
    /// When the window ends and the count starts again.
    public var resetsAt: Date
}
