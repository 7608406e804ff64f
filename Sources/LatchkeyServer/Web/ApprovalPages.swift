import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// `/approvals` and `/approvals/{id}`: the calls that wait for a person's yes (the agent's `approval_url` leads
/// here), decided once, for a while, or denied. A decided request shows its status and no buttons.
struct ApprovalPages: DashboardPages {
    let approvals: ApprovalService
    let budgets: BudgetService
    let catalog: Catalog
    let clock: any WallClock
    let renderer: PageRenderer

    /// The durations offered beside "Approve once", in seconds.
    static let durations: [(seconds: Int, label: String)] = [(600, "10 minutes"), (3600, "1 hour"), (86_400, "1 day")]

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("approvals") { request, context in
            let user = try context.requireUser()
            let now = clock.now
            let all = try await approvals.list(user: user, status: nil)
            var names: [String: String] = [:]
            for approval in all where names[approval.groupID] == nil {
                names[approval.groupID] = (try? await budgets.accessible(user: user, groupID: approval.groupID))?.name ?? approval.groupID
            }
            let rows = all.map { ApprovalRow($0, now: now, groupName: names[$0.groupID], providerName: name($0.provider)) }
            return renderer.page(ApprovalsView(rows), context: context, tab: .approvals,
                                 title: "Approvals", notice: Notices.text(for: request.uri.queryParameters["notice"]))
        }
        group.get("approvals/:id") { request, context in
            try await page(context: context, notice: Notices.text(for: request.uri.queryParameters["notice"]), error: nil)
        }
        group.post("approvals/:id/approve") { request, context in
            let form = try await context.form(request)
            let seconds = form["for_seconds"].flatMap { $0.isEmpty ? nil : Int($0) }
            return try await decide(context: context, approve: true, forSeconds: seconds)
        }
        group.post("approvals/:id/deny") { request, context in
            _ = try await context.form(request)
            return try await decide(context: context, approve: false, forSeconds: nil)
        }
    }

    func decide(context: AppRequestContext, approve: Bool, forSeconds: Int?) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        do {
            _ = try await approvals.decide(user: user, id: id, approve: approve, forSeconds: forSeconds)
        } catch LatchkeyError.conflict {
            return try await page(context: context, notice: nil, error: "This request was already decided (or it lapsed), so it cannot be decided again.", status: .conflict)
        }
        return PageRenderer.redirect("/approvals/\(id)?notice=\(approve ? "approved" : "denied")")
    }

    func page(context: AppRequestContext, notice: String?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser()
        let approval = try await approvals.get(user: user, id: try context.parameters.require("id"))
        let group = try? await budgets.accessible(user: user, groupID: approval.groupID)
        let view = ApprovalView(approval: ApprovalRow(approval, now: clock.now, groupName: group?.name, providerName: name(approval.provider)),
                                approveAction: "/approvals/\(approval.id)/approve", denyAction: "/approvals/\(approval.id)/deny",
                                durations: Self.durations.map { .init(seconds: $0.seconds, label: $0.label) })
        return renderer.page(view, context: context, tab: .approvals, title: "Approval request",
                             notice: notice, error: error, status: status)
    }

    func name(_ provider: String) -> String { catalog.provider(provider)?.name ?? provider }
}
