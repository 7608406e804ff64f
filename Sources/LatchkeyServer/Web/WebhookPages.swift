import Foundation
import Hummingbird
import LatchkeyCore

/// `/settings/webhooks`: the user's webhook endpoints (admins: also those for all users), a form to add one (its
/// secret shown once, on the page that answers the form), deletion, and each endpoint's delivery log.
struct WebhookPages {
    let webhooks: WebhookService
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("settings/webhooks") { request, context in
            try await list(request: request, context: context)
        }
        group.post("settings/webhooks") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let events = WebhookEventType.allCases.map(\.rawValue).filter { form["event.\($0)"] != nil }
            do {
                let (endpoint, secret) = try await webhooks.create(user: user, .init(url: form["url"] ?? "", events: events, allUsers: form["all_users"] != nil))
                // The one time the secret exists outside the database: rendered directly, never put in a URL or a redirect.
                return try await list(request: request, context: context, created: (endpoint, secret))
            } catch let error as LatchkeyError {
                return try await list(request: request, context: context, error: APIError.from(domain: error).message, submitted: form)
            }
        }
        // The on/off switch of one endpoint (the API's `PATCH /api/v1/webhooks/{id}` with `enabled`).
        group.post("settings/webhooks/:id/enabled") { request, context in
            let user = try context.requireUser()
            let form = try await context.form(request)
            let enabled = form["enabled"] == "true"
            _ = try await webhooks.update(user: user, id: try context.parameters.require("id"), .init(enabled: enabled))
            return PageRenderer.redirect("/settings/webhooks?notice=\(enabled ? "webhook_enabled" : "webhook_disabled")")
        }
        group.post("settings/webhooks/:id/delete") { request, context in
            let user = try context.requireUser()
            _ = try await context.form(request)
            try await webhooks.delete(user: user, id: try context.parameters.require("id"))
            return PageRenderer.redirect("/settings/webhooks?notice=webhook_deleted")
        }
        group.get("settings/webhooks/:id") { request, context in
            let user = try context.requireUser()
            let endpoint = try await webhooks.endpoint(user: user, id: try context.parameters.require("id"))
            let cursor = FormInput.query(request)["cursor"].flatMap { $0.isEmpty ? nil : $0 }
            let page = try await webhooks.deliveries(user: user, id: endpoint.id, limit: 50, cursor: cursor)
            let rows: [[String: Any]] = page.items.map { d in
                ["id": d.id, "event": d.event, "status": d.status.rawValue, "attempts": d.attempts, "last_status": d.lastStatus.map(String.init) ?? "—",
                 "last_error": d.lastError ?? "", "created_at": PageRenderer.date(d.createdAt), "delivered": d.status == .delivered,
                 "failed": d.status == .failed, "next_attempt_at": d.status == .pending ? PageRenderer.date(d.nextAttemptAt) : ""]
            }
            var values: [String: Any] = ["endpoint": Self.row(endpoint), "deliveries": rows]
            if let next = page.nextCursor { values["next_url"] = "/settings/webhooks/\(endpoint.id)?cursor=\(next)" }
            return renderer.page("webhook", values, context: context, tab: .webhooks, title: "Webhook deliveries")
        }
    }

    func list(request: Request, context: AppRequestContext, created: (WebhookEndpoint, String)? = nil, error: String? = nil,
              submitted: FormInput? = nil) async throws -> Response {
        let user = try context.requireUser()
        var values: [String: Any] = [
            "endpoints": try await webhooks.list(user: user).map(Self.row),
            "events": WebhookEventType.allCases.map { ["name": $0.rawValue, "checked": submitted?["event.\($0.rawValue)"] != nil] },
            "url": submitted?["url"] ?? "", "is_admin": user.role == .admin, "action": "/settings/webhooks",
        ]
        if let (endpoint, secret) = created {
            values["new_secret"] = secret
            values["new_url"] = endpoint.url
        }
        return renderer.page("webhooks", values, context: context, tab: .webhooks, title: "Webhooks", notice: Notices.text(for: request.uri.queryParameters["notice"]),
                             error: error, status: error == nil ? (created == nil ? .ok : .created) : .badRequest)
    }

    static func row(_ endpoint: WebhookEndpoint) -> [String: Any] {
        ["id": endpoint.id, "url": endpoint.url, "events": endpoint.events.joined(separator: ", "), "all_users": endpoint.ownerID == nil,
         "created_at": PageRenderer.date(endpoint.createdAt), "log_url": "/settings/webhooks/\(endpoint.id)",
         "delete_action": "/settings/webhooks/\(endpoint.id)/delete", "enabled": endpoint.enabled,
         "toggle_action": "/settings/webhooks/\(endpoint.id)/enabled", "toggle_to": endpoint.enabled ? "false" : "true",
         "toggle_label": endpoint.enabled ? "Turn off" : "Turn on"]
    }
}
