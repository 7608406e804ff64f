import Foundation
import LatchkeyCore

/// The control sections of the group page: each binding's rules (and their form), the budget (and its form),
/// usage against each limit, calls per day, pending approvals and recent refusals.
struct GroupControls {
    let budgets: BudgetService
    let approvals: ApprovalService
    /// The group's recent refusals.
    let audit: any AuditStore
    let catalog: Catalog
    let clock: any WallClock

    /// What the page shows instead of the saved state after a form was sent back: the entered rules of one binding
    /// (with an error or a "Check a call" verdict), or the entered budget (with an error).
    struct Entered {
        var provider: String?
        var policy: PolicyForm?
        var verdict: PolicyVerdict?
        var budget: BudgetForm?
        var error: FormError?
    }

    /// Audit actions that record a refused call, with how the page names them.
    static let refusals = ["call.denied": "Refused by the rules", "budget.exceeded": "Budget spent", "approval.requested": "Needs approval"]
    /// The most refusals listed.
    static let refusalLimit = 20

    func view(user: User, groupID: String, bindings: [Binding], entered: Entered) async throws -> GroupControlsView {
        let budget = try await budgets.budget(user: user, groupID: groupID)
        let form = entered.budget ?? BudgetForm(budget: budget)
        let usage = try await budgets.usage(user: user, groupID: groupID)
        let daily = try await budgets.daily(user: user, groupID: groupID, days: UsageChart.days)
        let now = clock.now
        let pending = try await approvals.list(user: user, status: .pending, groupID: groupID).filter { $0.effectiveStatus(at: now) == "pending" }
        return GroupControlsView(
            rules: bindings.map { rules(groupID: groupID, binding: $0, entered: entered) },
            budgetForm: form.view(providers: bindings.map { ($0.provider, name($0.provider)) }),
            budgetAction: "/groups/\(groupID)/budget",
            budgetError: entered.budget == nil ? nil : entered.error,
            budgetSummary: budget.limits.map { .init(scope: $0.provider.map(name) ?? "All providers", per: $0.per.rawValue, calls: $0.calls) },
            budgetExpiry: budget.expiresAt.map { .init(date: PageRenderer.date($0), expired: budget.isExpired(at: now)) },
            budgetCap: budget.maxConcurrent,
            usage: usage.limits.map { item in
                let calls = max(1, item.limit.calls)
                // The bar turns amber from three quarters spent and red from nine tenths.
                return .init(scope: item.limit.provider.map(name) ?? "All providers", provider: item.limit.scope, per: item.limit.per.rawValue,
                             used: item.used, calls: item.limit.calls, max: calls, meter: min(item.used, calls),
                             low: UsageChart.f(Double(calls) * 0.75), high: UsageChart.f(Double(calls) * 0.9),
                             spent: item.used >= item.limit.calls, resetsAt: PageRenderer.date(item.resetsAt))
            },
            concurrent: usage.concurrent,
            chart: UsageChart(daily: daily, today: now, providerName: name).view(),
            pending: pending.map { ApprovalRow($0, now: now, groupName: nil, providerName: name($0.provider)) },
            refusals: try await refusals(user: user, groupID: groupID)
        )
    }

    /// One binding's rules in words, and its form (the entered one when that binding's form came back).
    func rules(groupID: String, binding: Binding, entered: Entered) -> BindingRulesView {
        let tools = toolNames(binding.provider)
        let mine = entered.provider == binding.provider
        return BindingRulesView(provider: binding.provider, providerName: name(binding.provider), saved: binding.policy,
                                form: (mine ? entered.policy : nil) ?? PolicyForm(policy: binding.policy, tools: tools), tools: tools,
                                action: "/groups/\(groupID)/bindings/\(binding.provider)/policy", returned: mine,
                                error: mine ? entered.error : nil, verdict: mine ? entered.verdict : nil)
    }

    /// The bare tool names of a provider, `request` last.
    func toolNames(_ provider: String) -> [String] {
        (catalog.provider(provider)?.tools.map(\.name) ?? []).filter { $0 != "request" } + ["request"]
    }

    /// The group's refused calls from the audit log, newest first.
    func refusals(user: User, groupID: String) async throws -> [GroupControlsView.Refusal] {
        let group = try await budgets.accessible(user: user, groupID: groupID)
        let events = try await audit.groupAuditEvents(groupID: group.id, actions: Self.refusals.keys.sorted(), limit: Self.refusalLimit)
        return events.map { event in
            let provider: String, reason: String
            var approvalURL: String?
            switch event.action {
            case "budget.exceeded":
                let scope = event.detail["scope"] ?? "*"
                provider = scope == "*" ? "All providers" : name(scope)
                reason = "the limit per \(event.detail["per"] ?? "window") was spent (later calls in that window got 429)"
            case "approval.requested":
                provider = name(event.detail["provider"] ?? "")
                reason = "rule \(event.detail["rule"] ?? "") needs approval"
                approvalURL = event.detail["approval_id"].map { "/approvals/\($0)" }
            default:
                provider = name(event.detail["provider"] ?? "")
                reason = event.detail["reason"] ?? ""
            }
            return .init(id: event.id, action: event.action, kind: Self.refusals[event.action] ?? "", at: PageRenderer.date(event.createdAt),
                         method: event.detail["method"], path: event.detail["path"], provider: provider, reason: reason, approvalURL: approvalURL)
        }
    }

    func name(_ provider: String) -> String { catalog.provider(provider)?.name ?? provider }
}
