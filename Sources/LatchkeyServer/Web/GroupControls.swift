import Foundation
import LatchkeyCore

/// The control sections of the group page: each binding's rules (and their form), the budget (and its form),
/// usage against each limit, calls per day, pending approvals and recent refusals.
struct GroupControls {
    let runtime: LatchkeyRuntime

    /// What the page shows instead of the saved state after a form was sent back: the entered rules of one binding
    /// (with an error or a "Check a call" verdict), or the entered budget (with an error).
    struct Entered {
        var provider: String?
        var policy: PolicyForm?
        var verdict: [String: Any]?
        var budget: BudgetForm?
        var error: (field: String, message: String)?
    }

    /// Audit actions that record a refused call, with how the page names them.
    static let refusals = ["call.denied": "Refused by the rules", "budget.exceeded": "Budget spent", "approval.requested": "Needs approval"]
    /// The most refusals listed.
    static let refusalLimit = 20

    func values(user: User, groupID: String, bindings: [Binding], entered: Entered) async throws -> [String: Any] {
        var values: [String: Any] = [:]
        values["rules"] = bindings.map { rules(groupID: groupID, binding: $0, entered: entered) }
        let budget = try await runtime.budgets.budget(user: user, groupID: groupID)
        let form = entered.budget ?? BudgetForm(budget: budget)
        values["budget_form"] = form.values(providers: bindings.map { ($0.provider, name($0.provider)) })
        values["budget_action"] = "/groups/\(groupID)/budget"
        if entered.budget != nil, let error = entered.error { values["budget_error"] = ["field": error.field, "message": error.message] }
        values["budget_summary"] = summary(budget)
        values["budget_expiry"] = budget.expiresAt.map { ["date": PageRenderer.date($0), "expired": budget.isExpired(at: runtime.clock.now)] as [String: Any] }
        values["budget_cap"] = budget.maxConcurrent

        let usage = try await runtime.budgets.usage(user: user, groupID: groupID)
        values["usage"] = usage.limits.map { item -> [String: Any] in
            ["scope": item.limit.provider.map(name) ?? "All providers", "provider": item.limit.scope, "per": item.limit.per.rawValue,
             "used": item.used, "calls": item.limit.calls, "max": max(1, item.limit.calls), "meter": min(item.used, max(1, item.limit.calls)),
             // The bar turns amber from three quarters spent and red from nine tenths.
             "low": UsageChart.f(Double(max(1, item.limit.calls)) * 0.75), "high": UsageChart.f(Double(max(1, item.limit.calls)) * 0.9),
             "spent": item.used >= item.limit.calls, "resets_at": PageRenderer.date(item.resetsAt)]
        }
        values["concurrent"] = usage.concurrent

        let daily = try await runtime.budgets.daily(user: user, groupID: groupID, days: UsageChart.days)
        values.merge(UsageChart(daily: daily, today: runtime.clock.now, providerName: name).values()) { $1 }

        let now = runtime.clock.now
        let pending = try await runtime.approvals.list(user: user, status: .pending, groupID: groupID).filter { $0.effectiveStatus(at: now) == "pending" }
        values["pending"] = pending.map { ApprovalPages.row($0, now: now, groupName: nil, name: name) }
        values["refusals"] = try await refusals(user: user, groupID: groupID)
        return values
    }

    /// One binding's rules in words, and its form (the entered one when that binding's form came back).
    func rules(groupID: String, binding: Binding, entered: Entered) -> [String: Any] {
        let tools = toolNames(binding.provider)
        let mine = entered.provider == binding.provider
        let form = (mine ? entered.policy : nil) ?? PolicyForm(policy: binding.policy, tools: tools)
        var values: [String: Any] = ["provider": binding.provider, "provider_name": name(binding.provider), "summary": PolicyForm.summary(binding.policy).map { ["line": $0] },
                                     "restricted": !(binding.policy?.isEmpty ?? true), "action": "/groups/\(groupID)/bindings/\(binding.provider)/policy",
                                     "open": mine]
        values.merge(form.values(tools: tools)) { $1 }
        if mine, let error = entered.error { values["rules_error"] = ["field": error.field, "message": error.message] }
        if mine, let verdict = entered.verdict { values["verdict"] = verdict }
        return values
    }

    /// The bare tool names of a provider, `request` last.
    func toolNames(_ provider: String) -> [String] {
        (runtime.catalog.provider(provider)?.tools.map(\.name) ?? []).filter { $0 != "request" } + ["request"]
    }

    func summary(_ budget: Budget) -> [[String: Any]] {
        budget.limits.map { ["scope": $0.provider.map(name) ?? "All providers", "per": $0.per.rawValue, "calls": $0.calls] as [String: Any] }
    }

    /// The group's refused calls from the audit log, newest first.
    func refusals(user: User, groupID: String) async throws -> [[String: Any]] {
        let group = try await runtime.budgets.accessible(user: user, groupID: groupID)
        let events = try await runtime.store.groupAuditEvents(groupID: group.id, actions: Self.refusals.keys.sorted(), limit: Self.refusalLimit)
        var rows: [[String: Any]] = []
        for event in events {
            var row: [String: Any] = ["id": event.id, "action": event.action, "kind": Self.refusals[event.action] ?? "", "at": PageRenderer.date(event.createdAt),
                                      "method": event.detail["method"] ?? "", "path": event.detail["path"] ?? ""]
            switch event.action {
            case "budget.exceeded":
                let scope = event.detail["scope"] ?? "*"
                row["provider"] = scope == "*" ? "All providers" : name(scope)
                row["reason"] = "the limit per \(event.detail["per"] ?? "window") was spent (later calls in that window got 429)"
            case "approval.requested":
                row["provider"] = name(event.detail["provider"] ?? "")
                row["reason"] = "rule \(event.detail["rule"] ?? "") needs approval"
                if let id = event.detail["approval_id"] { row["approval_url"] = "/approvals/\(id)" }
            default:
                row["provider"] = name(event.detail["provider"] ?? "")
                row["reason"] = event.detail["reason"] ?? ""
            }
            rows.append(row)
        }
        return rows
    }


    func name(_ provider: String) -> String { runtime.catalog.provider(provider)?.name ?? provider }
}
