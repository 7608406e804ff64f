import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func appendAudit(_ event: AuditEvent) async throws {
        guard let webhook = WebhookEvent(audit: event) else {
            try await rows("audit event", """
                INSERT INTO audit_events (id, owner_id, actor, action, target_type, target_id, detail, created_at)
                VALUES (\(event.id), \(event.ownerID), \(event.actor), \(event.action), \(event.targetType), \(event.targetID),
                        \(StoredJSON.encode(event.detail)), \(event.createdAt))
                """)
            return
        }
        // One transaction: the event and its webhooks are written together or not at all (a data-modifying WITH runs
        // whether or not the rest of the statement reads it). The advisory lock per ordering key makes the
        // deliveries' `seq` order their commit order: a second event of the same credential waits for the first to
        // commit before it draws its `seq`, so a sender can never see the later one while the earlier is in flight.
        try await transaction("audit event") { tx in
            try await tx.rows("SELECT pg_advisory_xact_lock(\(Self.webhookLockSpace), hashtext(\(webhook.orderingKey)))")
            try await tx.rows("""
                WITH audit AS (
                    INSERT INTO audit_events (id, owner_id, actor, action, target_type, target_id, detail, created_at)
                    VALUES (\(event.id), \(event.ownerID), \(event.actor), \(event.action), \(event.targetType), \(event.targetID),
                            \(StoredJSON.encode(event.detail)), \(event.createdAt)))
                INSERT INTO webhook_deliveries (id, endpoint_id, event, ordering_key, payload, status, attempts, next_attempt_at, created_at)
                SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, \(webhook.type.rawValue), \(webhook.orderingKey), \(webhook.payload),
                       'pending', 0, \(webhook.createdAt), \(webhook.createdAt)
                FROM webhook_endpoints e
                WHERE e.enabled AND (e.owner_id = \(webhook.ownerID) OR e.owner_id IS NULL)
                  AND e.events::jsonb @> jsonb_build_array(\(webhook.type.rawValue)::text)
                ORDER BY e.id
                """)
        }
    }

    /// The first key of the two-key advisory locks on webhook ordering keys ("wh" in ASCII; the two-key space never
    /// meets the one-key space of the migration lock).
    static let webhookLockSpace: Int32 = 0x7768

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
