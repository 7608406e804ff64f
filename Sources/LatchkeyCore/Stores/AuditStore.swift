import Foundation

/// The audit log.
public protocol AuditStore: Sendable {
    /// Appends an event.
    func appendAudit(_ event: AuditEvent) async throws
    /// The owner's events, newest first, older than the event `before` when given.
    func auditEvents(ownerID: String, limit: Int, before: String?) async throws -> [AuditEvent]
    /// Events whose target is the group `groupID` and whose action is one of `actions`, newest first.
    func groupAuditEvents(groupID: String, actions: [String], limit: Int) async throws -> [AuditEvent]
    /// Deletes events created before `date`; returns how many.
    func deleteAudit(createdBefore date: Date) async throws -> Int
}
