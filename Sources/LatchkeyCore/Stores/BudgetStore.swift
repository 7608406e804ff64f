import Foundation

/// Budgets, quota leases, usage counts (`UsageStore`) and approvals.
public protocol BudgetStore: UsageStore {
    /// Replaces the group's budget (nil removes it).
    func setBudget(groupID: String, budget: Budget?) async throws
    /// Sets the policy of the group's binding for `provider`; false when there is no such binding.
    func setBindingPolicy(groupID: String, provider: String, policy: BindingPolicy?) async throws -> Bool

    /// Leases up to `want` calls of the window (group, scope, per, windowStart) whose limit is `limit`, atomically
    /// across every server on the database: returns how many were granted (0 when the window is spent). Leased calls
    /// count as used whether or not the server that leased them makes them.
    func leaseQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date, limit: Int, want: Int) async throws -> Int
    /// Calls leased so far in the window.
    func leasedQuota(groupID: String, scope: String, per: BudgetPeriod, windowStart: Date) async throws -> Int
    /// Drops lease counts of windows that ended before `before`.
    func deleteQuota(windowsBefore before: Date) async throws

    /// Records that a limit's window was spent; true when this is the first record of that window.
    func recordBudgetExceeded(_ event: BudgetExceeded) async throws -> Bool
    /// Spent windows across the owner's groups recorded since `since`, newest first.
    func budgetsExceeded(ownerID: String, since: Date) async throws -> [BudgetExceeded]

    /// Inserts an approval request; `StoreError.conflict` when a request for the same call (group, provider, method,
    /// path) is already pending. A lapsed one gives way.
    func createApproval(_ approval: Approval) async throws
    /// The approval with `id`.
    func approval(id: String) async throws -> Approval?
    /// Approvals of the owner's groups (every owner's when `ownerID` is nil) with `status` (all when nil), newest
    /// first, at most `limit`.
    func approvals(ownerID: String?, groupID: String?, status: Approval.Status?, limit: Int) async throws -> [Approval]
    /// The request for this exact call that is still pending at `now`, or denied.
    func openApproval(groupID: String, provider: String, method: String, path: String, now: Date) async throws -> Approval?
    /// Uses a grant for a call of (group, provider, method) caught by `rule`: a duration grant still running, or an
    /// unused once-grant, which this marks used (atomically: one call per once-grant, across servers). True when the
    /// call may go.
    func useGrant(groupID: String, provider: String, method: String, rule: String, now: Date) async throws -> Bool
    /// Decides a pending request; false when it was decided already (or lapsed).
    func decideApproval(id: String, status: Approval.Status, once: Bool, expiresAt: Date, by: String, now: Date) async throws -> Bool
}
