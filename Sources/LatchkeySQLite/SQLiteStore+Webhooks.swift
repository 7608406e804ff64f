import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await write("webhook") { db in
            try db.execute(sql: """
                INSERT INTO webhook_endpoints (id, owner_id, url, events, created_at, enabled) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [endpoint.id, endpoint.ownerID, endpoint.url, Self.json(endpoint.events), endpoint.createdAt.seconds, endpoint.enabled])
            try db.execute(sql: "INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (?, ?, ?, ?)",
                           arguments: [endpoint.id, WebhookEndpoint.secretField, endpoint.secret.keyVersion ?? 0, endpoint.secret.bytes])
        }
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpoint? {
        try await read { db in
            try Row.fetchOne(db, sql: "\(Self.endpointSelect) WHERE e.id = ?", arguments: [id]).map(Self.endpoint)
        }
    }

    public func webhookEndpoints(ownerID: String, includeAllUsers: Bool) async throws -> [WebhookEndpoint] {
        try await read { db in
            try Row.fetchAll(db, sql: "\(Self.endpointSelect) WHERE e.owner_id = ? OR (? AND e.owner_id IS NULL) ORDER BY e.created_at, e.id",
                             arguments: [ownerID, includeAllUsers]).map(Self.endpoint)
        }
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool {
        try await write("webhook") { db in
            try db.execute(sql: "UPDATE webhook_endpoints SET url = ?, events = ?, enabled = ? WHERE id = ?",
                           arguments: [endpoint.url, Self.json(endpoint.events), endpoint.enabled, endpoint.id])
            return db.changesCount == 1
        }
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        try await write("webhook") { db in
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ?", arguments: [id])
            let deleted = db.changesCount == 1
            try db.execute(sql: "DELETE FROM sealed_values WHERE record_id = ?", arguments: [id])
            return deleted
        }
    }

    public func webhookDelivery(id: String, endpointID: String) async throws -> WebhookDelivery? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?", arguments: [id, endpointID]).map(Self.delivery)
        }
    }

    public func webhookDeliveries(endpointID: String, after: String?, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            // Newest first; a page starts right after the cursor's delivery.
            try Row.fetchAll(db, sql: """
                SELECT * FROM webhook_deliveries WHERE endpoint_id = ?
                  AND seq < COALESCE((SELECT seq FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?), 9223372036854775807)
                ORDER BY seq DESC LIMIT ?
                """, arguments: [endpointID, after, endpointID, limit]).map(Self.delivery)
        }
    }

    public func claimWebhookDeliveries(owner: String, until: Date, now: Date, limit: Int) async throws -> [WebhookDelivery] {
        // One write transaction (GRDB's are IMMEDIATE): no other process writes between choosing and claiming.
        try await write("webhook delivery") { db in
            let due = try Int64.fetchAll(db, sql: """
                SELECT d.seq FROM webhook_deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_owner IS NULL OR d.lease_expires_at < ?)
                  AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = 1)
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
                                  AND p.ordering_key = d.ordering_key AND p.status = 'pending' AND p.seq < d.seq)
                ORDER BY d.seq LIMIT ?
                """, arguments: [now.seconds, now.seconds, limit])
            var claimed: [WebhookDelivery] = []
            for seq in due {
                try db.execute(sql: "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1 WHERE seq = ?",
                               arguments: [owner, until.seconds, seq])
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE seq = ?", arguments: [seq]) {
                    claimed.append(try Self.delivery(row))
                }
            }
            return claimed
        }
    }

    public func finishWebhookDelivery(id: String, owner: String, _ attempt: WebhookAttempt) async throws -> Bool {
        try await write("webhook delivery") { db in
            try db.execute(sql: """
                UPDATE webhook_deliveries SET status = ?, last_status = ?, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at),
                    delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ?
                """, arguments: [attempt.status.rawValue, attempt.httpStatus, attempt.error, attempt.nextAttemptAt?.seconds,
                                 attempt.status.rawValue, attempt.at.seconds, id, owner])
            return db.changesCount == 1
        }
    }

    public func deleteSettledWebhookDeliveries(createdBefore date: Date) async throws -> Int {
        try await write("webhook delivery") { db in
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?", arguments: [date.seconds])
            return db.changesCount
        }
    }

    /// Inserts the deliveries of `event` for every enabled endpoint subscribed to it: the owner's and those for all
    /// users. Called inside the audit event's write transaction.
    static func enqueueWebhooks(_ event: WebhookEvent, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO webhook_deliveries (id, endpoint_id, event, ordering_key, payload, status, attempts, next_attempt_at, created_at)
            SELECT 'msg_' || lower(hex(randomblob(16))), e.id, ?, ?, ?, 'pending', 0, ?, ?
            FROM webhook_endpoints e
            WHERE e.enabled = 1 AND (e.owner_id = ? OR e.owner_id IS NULL)
              AND EXISTS (SELECT 1 FROM json_each(e.events) WHERE json_each.value = ?)
            ORDER BY e.id
            """, arguments: [event.type.rawValue, event.orderingKey, event.payload, event.createdAt.seconds, event.createdAt.seconds,
                             event.ownerID, event.type.rawValue])
    }

    static let endpointSelect = """
        SELECT e.*, s.value AS secret FROM webhook_endpoints e
        JOIN sealed_values s ON s.record_id = e.id AND s.field = '\(WebhookEndpoint.secretField)'
        """

    static func endpoint(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(id: row["id"], ownerID: row["owner_id"], url: row["url"], events: try decode(row["events"]), secret: SealedValue(bytes: row["secret"]),
                        createdAt: Date(seconds: row["created_at"]), enabled: row["enabled"])
    }

    static func delivery(_ row: Row) throws -> WebhookDelivery {
        let delivered: Double? = row["delivered_at"]
        return WebhookDelivery(id: row["id"], endpointID: row["endpoint_id"], event: row["event"], orderingKey: row["ordering_key"], payload: row["payload"],
                               status: WebhookDelivery.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
                               nextAttemptAt: Date(seconds: row["next_attempt_at"]), lastStatus: row["last_status"], lastError: row["last_error"],
                               createdAt: Date(seconds: row["created_at"]), deliveredAt: delivered.map(Date.init(seconds:)))
    }
}
