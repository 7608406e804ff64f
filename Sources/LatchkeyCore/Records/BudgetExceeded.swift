import Foundation

/// A window in which a group's limit was spent: recorded once per window (not per refused call), for the owner's
/// warning.
public struct BudgetExceeded: Sendable, Equatable {
    public var groupID: String
    /// The limit's provider, or `*` for all.
    public var scope: String
    public var per: BudgetPeriod
    public var windowStart: Date
    /// The first refusal.
    public var at: Date

    public init(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date, at: Date) {
        self.groupID = groupID
        self.scope = scope
        self.per = per
        self.windowStart = windowStart
        self.at = at
    }
}
