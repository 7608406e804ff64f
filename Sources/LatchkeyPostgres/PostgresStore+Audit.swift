import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func appendAudit(_ event: AuditEvent) async throws {
        try await rows("audit event", """
            INSERT INTO audit_events (id, owner_id, actor, action, target_type, target_id, detail, created_at)
            VALUES (\(event.id), \(event.ownerID), \(event.actor), \(event.action), \(event.targetType), \(event.targetID),
                    \(StoredJSON.encode(event.detail)), \(event.createdAt))
            """)
    }

    public func groupAuditEvents(groupID: String, actions: [String], limit: Int) async throws -> [AuditEvent] {
        try await rows("audit event", """
            SELECT * FROM audit_events WHERE target_id = \(groupID) AND target_type = 'group' AND action = ANY(\(actions)) ORDER BY seq DESC LIMIT \(limit)
            """).map { try Self.auditEvent($0) }
    }

    public func auditEvents(ownerID: String, limit: Int, before: String?) async throws -> [AuditEvent] {
        // One statement: the cursor's position and the page come from one snapshot.
        try await rows("audit event", """
            SELECT * FROM audit_events
            WHERE owner_id = \(ownerID)
              AND seq < COALESCE((SELECT seq FROM audit_events WHERE id = \(before)), 9223372036854775807)
            ORDER BY seq DESC LIMIT \(limit)
            """).map { try Self.auditEvent($0) }
    }

    static func auditEvent(_ row: PostgresRandomAccessRow) throws -> AuditEvent {
        AuditEvent(id: try row.get("id"), ownerID: try row.get("owner_id"), actor: try row.get("actor"), action: try row.get("action"),
                   targetType: try row.get("target_type"), targetID: try row.get("target_id"),
                   detail: try StoredJSON.decode(try row.get("detail", as: String.self)), createdAt: try row.get("created_at"))
    }

    public func deleteAudit(createdBefore date: Date) async throws -> Int {
        try await rows("audit event", "WITH gone AS (DELETE FROM audit_events WHERE created_at < \(date) RETURNING 1) SELECT count(*)::int AS n FROM gone")
            .first?.get("n") ?? 0
    }
}
