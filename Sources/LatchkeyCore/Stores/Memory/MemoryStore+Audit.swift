import Foundation

extension MemoryStore {
    /// A row of `audit_events`: the event and its insertion number (`seq`), which orders the log.
    struct AuditRow: Sendable {
        var event: AuditEvent
        let sequence: Int
    }

    public func appendAudit(_ event: AuditEvent) async throws {
        guard !tables.auditEvents.contains(where: { $0.event.id == event.id }) else { throw StoreError.conflict("audit event") }
        tables.auditEvents.append(AuditRow(event: event, sequence: nextSequence()))
        // The event's webhooks in the same step: never one without the other.
        if let webhook = WebhookEvent(audit: event) { enqueueWebhooks(webhook) }
    }

    public func auditEvents(ownerID: String, limit: Int, before: String?) async throws -> [AuditEvent] {
        // A cursor naming no event reads from the newest, as the SQL's `?? Int64.max` does.
        let beforeSequence = before.flatMap { id in tables.auditEvents.first { $0.event.id == id }?.sequence } ?? Int.max
        return newestFirst(limit) { $0.event.ownerID == ownerID && $0.sequence < beforeSequence }
    }

    public func groupAuditEvents(groupID: String, actions: [String], limit: Int) async throws -> [AuditEvent] {
        newestFirst(limit) { $0.event.targetID == groupID && $0.event.targetType == "group" && actions.contains($0.event.action) }
    }

    public func deleteAudit(createdBefore date: Date) async throws -> Int {
        let before = tables.auditEvents.count
        tables.auditEvents.removeAll { $0.event.createdAt < date }
        return before - tables.auditEvents.count
    }

    /// At most `limit` events matching `filter`, newest (highest `seq`) first.
    private func newestFirst(_ limit: Int, where filter: (AuditRow) -> Bool) -> [AuditEvent] {
        // Rows are appended in `seq` order, so the log read backwards is newest first.
        var events: [AuditEvent] = []
        for row in tables.auditEvents.reversed() where events.count < limit && filter(row) { events.append(row.event) }
        return events
    }
}
