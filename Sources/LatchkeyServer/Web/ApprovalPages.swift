import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// `/approvals` and `/approvals/{id}`: the calls that wait for a person's yes (the agent's `approval_url` leads
/// here), decided once, for a while, or denied. A decided request shows its status and no buttons.
struct ApprovalPages {
    let runtime: LatchkeyRuntime
    let renderer: PageRenderer

    /// The durations offered beside "Approve once", in seconds.
    static let durations: [(seconds: Int, label: String)] = [(600, "10 minutes"), (3600, "1 hour"), (86_400, "1 day")]

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("approvals") { request, context in
            let user = try context.requireUser()
            let now = runtime.clock.now
            let all = try await runtime.approvals.list(user: user, status: nil)
            var names: [String: String] = [:]
            for approval in all where names[approval.groupID] == nil {
                names[approval.groupID] = (try? await runtime.budgets.accessible(user: user, groupID: approval.groupID))?.name ?? approval.groupID
            }
            let rows = all.map { Self.row($0, now: now, groupName: names[$0.groupID], name: name) }
            let pending = rows.filter { $0["status"] as? String == "pending" }
            let decided = rows.filter { $0["status"] as? String != "pending" }
            return renderer.page("approvals", ["pending": pending, "decided": decided, "empty": rows.isEmpty], context: context, tab: .approvals,
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
            _ = try await runtime.approvals.decide(user: user, id: id, approve: approve, forSeconds: forSeconds)
        } catch LatchkeyError.conflict {
            return try await page(context: context, notice: nil, error: "This request was already decided (or it lapsed), so it cannot be decided again.", status: .conflict)
        }
        return PageRenderer.redirect("/approvals/\(id)?notice=\(approve ? "approved" : "denied")")
    }

    func page(context: AppRequestContext, notice: String?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser()
        let approval = try await runtime.approvals.get(user: user, id: try context.parameters.require("id"))
        let group = try? await runtime.budgets.accessible(user: user, groupID: approval.groupID)
        var values = Self.row(approval, now: runtime.clock.now, groupName: group?.name, name: name)
        values["approve_action"] = "/approvals/\(approval.id)/approve"
        values["deny_action"] = "/approvals/\(approval.id)/deny"
        values["durations"] = Self.durations.map { ["seconds": $0.seconds, "label": $0.label] as [String: Any] }
        return renderer.page("approval", ["approval": values], context: context, tab: .approvals, title: "Approval request",
                             notice: notice, error: error, status: status)
    }

    /// An approval for the templates: what was asked, when, and where it stands now.
    static func row(_ approval: Approval, now: Date, groupName: String?, name: (String) -> String) -> [String: Any] {
        let status = approval.effectiveStatus(at: now)
        var values: [String: Any] = [
            "id": approval.id, "url": "/approvals/\(approval.id)", "group_id": approval.groupID, "group_name": groupName ?? approval.groupID,
            "group_url": "/groups/\(approval.groupID)", "provider": approval.provider, "provider_name": name(approval.provider),
            "method": approval.method, "path": approval.path, "rule": approval.rule, "created_at": PageRenderer.date(approval.createdAt),
            "status": status, "pending": status == "pending", "status_label": label(approval, status: status),
            "status_class": ["pending": "warn", "approved": "ok", "denied": "bad"][status] ?? "muted",
        ]
        if let decidedAt = approval.decidedAt { values["decided_at"] = PageRenderer.date(decidedAt) }
        if status == "pending" || status == "approved" { values["expires_at"] = PageRenderer.date(approval.expiresAt) }
        return values
    }

    /// The status in words: "Approved until …", "Approved once", "Denied", "Waiting", "Expired".
    static func label(_ approval: Approval, status: String) -> String {
        switch status {
        case "pending": "Waiting for a decision"
        case "approved": approval.once ? "Approved once" : "Approved until \(PageRenderer.date(approval.expiresAt))"
        case "denied": "Denied"
        default: approval.status == .approved ? (approval.once && approval.used ? "Approved once (used)" : "Approval expired") : "Lapsed without a decision"
        }
    }

    func name(_ provider: String) -> String { runtime.catalog.provider(provider)?.name ?? provider }
}
