import Foundation
import Hummingbird
import LatchkeyCore

/// `/activity`: the user's audit log, 50 events a page, newest first.
struct ActivityPages: DashboardPages {
    let audit: any AuditStore
    let renderer: PageRenderer

    static let pageSize = 50

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("activity") { request, context in
            let user = try context.requireUser()
            let events = try await audit.auditEvents(ownerID: user.id, limit: Self.pageSize + 1, before: request.uri.queryParameters["before"].map(String.init))
            let shown = events.prefix(Self.pageSize)
            let rows = shown.map { event in
                ActivityView.Event(createdAt: PageRenderer.date(event.createdAt), actor: event.actor, action: event.action,
                                   target: "\(event.targetType) \(event.targetID)",
                                   detail: event.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
            }
            let next = events.count > Self.pageSize ? shown.last.map { "/activity?before=\($0.id)" } : nil
            return renderer.page(ActivityView(events: rows, nextURL: next), context: context, tab: .activity, title: "Activity")
        }
    }
}
