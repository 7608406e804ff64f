import Foundation
import Hummingbird
import LatchkeyCore

/// `/providers` (the catalog, searchable) and `/activity` (the audit log, paged).
struct CatalogPages {
    let runtime: LatchkeyRuntime
    let renderer: PageRenderer

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("providers") { request, context in
            let q = FormInput.query(request)["q"] ?? ""
            let rows: [[String: Any]] = Self.matching(runtime.catalog, q).map { p in
                ["id": p.id, "name": p.name, "auth_mode": p.authMode.rawValue, "auth_label": Self.authLabel(p.authMode), "docs": p.docs ?? "",
                 "description": p.description ?? "", "base_url": p.baseURL.source,
                 "fields": p.fields.map { ["name": $0.name, "label": $0.label, "secret": $0.secret] }]
            }
            return renderer.page("providers", ["q": q, "providers": rows], context: context, tab: .providers, title: "Providers")
        }
        group.get("activity") { request, context in
            let user = try context.requireUser()
            let pageSize = 50
            let events = try await runtime.store.auditEvents(ownerID: user.id, limit: pageSize + 1, before: request.uri.queryParameters["before"].map(String.init))
            let shown = events.prefix(pageSize)
            var values: [String: Any] = ["events": shown.map { event in
                ["created_at": PageRenderer.date(event.createdAt), "actor": event.actor, "action": event.action, "target": "\(event.targetType) \(event.targetID)",
                 "detail": event.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")]
            }, "empty": shown.isEmpty]
            if events.count > pageSize, let last = shown.last { values["next_url"] = "/activity?before=\(last.id)" }
            return renderer.page("activity", values, context: context, tab: .activity, title: "Activity")
        }
    }

    /// Providers whose id, name or description contains every word of `query`.
    static func matching(_ catalog: Catalog, _ query: String) -> [Provider] {
        let words = query.lowercased().split(separator: " ")
        return catalog.all.filter { provider in
            let haystack = "\(provider.id) \(provider.name) \(provider.description ?? "") \(provider.authMode.rawValue)".lowercased()
            return words.allSatisfy { haystack.contains($0) }
        }
    }

    static func authLabel(_ mode: AuthMode) -> String {
        switch mode {
        case .oauth2: "OAuth"
        case .oauth2ClientCredentials: "OAuth (client credentials)"
        case .apiKey: "API key"
        case .basic: "Username and password"
        case .custom: "Custom"
        case .none: "None"
        }
    }
}
