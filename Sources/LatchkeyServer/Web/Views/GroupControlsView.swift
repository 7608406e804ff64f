/// The control sections of the group page (`{{#controls}}` in `group`): each binding's rules and their form, the
/// budget and its form, usage against each limit, calls per day, pending approvals and recent refusals.
struct GroupControlsView: Encodable {
    /// One limit of the saved budget, in words.
    struct LimitSummary: Encodable {
        let scope: String
        let per: String
        let calls: Int
    }

    /// When the group's keys stop working.
    struct Expiry: Encodable {
        let date: String
        let expired: Bool
    }

    /// Calls against one limit in its current window, for a meter.
    struct Usage: Encodable {
        let scope: String
        /// The provider id, or `*` for all providers.
        let provider: String
        let per: String
        let used: Int
        let calls: Int
        let max: Int
        let meter: Int
        /// The meter turns amber from here, and red from `high`.
        let low: String
        let high: String
        let spent: Bool
        let resetsAt: String
    }

    /// A call refused by the rules, a spent budget or a request for approval, from the audit log.
    struct Refusal: Encodable {
        let id: String
        let action: String
        let kind: String
        let at: String
        let method: String?
        let path: String?
        let provider: String
        let reason: String
        let approvalURL: String?
    }

    let rules: [BindingRulesView]
    let budgetForm: BudgetFormView
    let budgetAction: String
    /// The budget form's mistake, when it came back.
    let budgetError: FormError?
    let budgetSummary: [LimitSummary]
    let budgetExpiry: Expiry?
    let budgetCap: Int?
    let usage: [Usage]
    let concurrent: Int
    let chart: UsageChartView
    let pending: [ApprovalRow]
    let refusals: [Refusal]
}
