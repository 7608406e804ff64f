import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await transaction("webhook") { tx in
            try await tx.rows("""
                INSERT INTO webhook_endpoints (id, owner_id, url, events, created_at, enabled)
                VALUES (\(endpoint.id), \(endpoint.ownerID), \(endpoint.url), \(StoredJSON.encode(endpoint.events)), \(endpoint.createdAt), \(endpoint.enabled))
                """)
            try await Self.upsertSecret(recordID: endpoint.id, field: WebhookEndpoint.secretField, endpoint.secret, tx)
        }
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpoint? {
        try await rows("webhook", "\(unescaped: Self.endpointSelect) WHERE e.id = \(id)").first.map(Self.endpoint)
    }

    public func webhookEndpoints(ownerID: String, includeAllUsers: Bool) async throws -> [WebhookEndpoint] {
        try await rows("webhook", """
            \(unescaped: Self.endpointSelect) WHERE e.owner_id = \(ownerID) OR (\(includeAllUsers) AND e.owner_id IS NULL) ORDER BY e.created_at, e.id
            """).map(Self.endpoint)
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool {
        try await rows("webhook", """
            UPDATE webhook_endpoints SET url = \(endpoint.url), events = \(StoredJSON.encode(endpoint.events)), enabled = \(endpoint.enabled)
            WHERE id = \(endpoint.id) RETURNING id
            """).count == 1
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        try await transaction("webhook") { tx -> Bool in
            let deleted = try await tx.rows("DELETE FROM webhook_endpoints WHERE id = \(id) RETURNING id").count == 1
            try await tx.rows("DELETE FROM sealed_values WHERE record_id = \(id)")
            return deleted
        }
    }

    public func webhookDelivery(id: String, endpointID: String) async throws -> WebhookDelivery? {
        try await rows("webhook delivery", "SELECT * FROM webhook_deliveries WHERE id = \(id) AND endpoint_id = \(endpointID)").first.map(Self.delivery)
    }

    public func webhookDeliveries(endpointID: String, after: String?, limit: Int) async throws -> [WebhookDelivery] {
        // One statement: the cursor's position and the page come from one snapshot.
        try await rows("webhook delivery", """
            SELECT * FROM webhook_deliveries WHERE endpoint_id = \(endpointID)
              AND seq < COALESCE((SELECT seq FROM webhook_deliveries WHERE id = \(after) AND endpoint_id = \(endpointID)), 9223372036854775807)
            ORDER BY seq DESC LIMIT \(limit)
            """).map(Self.delivery)
    }

    public func claimWebhookDeliveries(owner: String, until: Date, now: Date, limit: Int) async throws -> [WebhookDelivery] {
        // One statement decides and writes. `FOR UPDATE SKIP LOCKED` lets servers claiming at once take different
        // rows; a row another server claimed and committed meanwhile is re-checked against its new lease (READ
        // COMMITTED re-evaluates the locked row), and the outer WHERE checks again, so no delivery is held twice.
        // The choice is an ARRAY(...) InitPlan, run once: as a joined subquery it could be rescanned, each rescan
        // skipping the rows this statement just locked and taking more than `limit`.
        // The NOT EXISTS reads an earlier snapshot at worst, where an earlier delivery can only look still pending:
        // it may hold a later delivery back one round, never let it overtake.
        try await rows("webhook delivery", """
            UPDATE webhook_deliveries d SET lease_owner = \(owner), lease_expires_at = \(until), attempts = d.attempts + 1
            WHERE d.seq = ANY(ARRAY(
                SELECT c.seq FROM webhook_deliveries c
                WHERE c.status = 'pending' AND c.next_attempt_at <= \(now) AND (c.lease_owner IS NULL OR c.lease_expires_at < \(now))
                  AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = c.endpoint_id AND e.enabled)
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = c.endpoint_id
                                  AND p.ordering_key = c.ordering_key AND p.status = 'pending' AND p.seq < c.seq)
                ORDER BY c.seq LIMIT \(limit) FOR UPDATE SKIP LOCKED))
              AND d.status = 'pending' AND (d.lease_owner IS NULL OR d.lease_expires_at < \(now))
            RETURNING d.*
            """).map(Self.delivery).sorted { $0.createdAt < $1.createdAt }
    }

    public func finishWebhookDelivery(id: String, owner: String, _ attempt: WebhookAttempt) async throws -> Bool {
        try await rows("webhook delivery", """
            UPDATE webhook_deliveries SET status = \(attempt.status.rawValue), last_status = \(attempt.httpStatus), last_error = \(attempt.error),
                next_attempt_at = COALESCE(\(attempt.nextAttemptAt), next_attempt_at),
                delivered_at = CASE WHEN \(attempt.status.rawValue) = 'delivered' THEN \(attempt.at) ELSE delivered_at END,
                lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(id) AND lease_owner = \(owner)
            RETURNING id
            """).count == 1
    }

    public func deleteSettledWebhookDeliveries(createdBefore date: Date) async throws -> Int {
        try await rows("webhook delivery", """
            WITH gone AS (DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < \(date) RETURNING 1) SELECT count(*)::int AS n FROM gone
            """).first?.get("n") ?? 0
    }

    static let endpointSelect = """
        SELECT e.*, s.value AS secret FROM webhook_endpoints e
        JOIN sealed_values s ON s.record_id = e.id AND s.field = '\(WebhookEndpoint.secretField)'
        """

    static func endpoint(_ row: PostgresRandomAccessRow) throws -> WebhookEndpoint {
        WebhookEndpoint(id: try row.get("id"), ownerID: try row.get("owner_id"), url: try row.get("url"),
                        events: try StoredJSON.decode(try row.get("events", as: String.self)), secret: SealedValue(bytes: try row.get("secret", as: Data.self)),
                        createdAt: try row.get("created_at"), enabled: try row.get("enabled"))
    }

    static func delivery(_ row: PostgresRandomAccessRow) throws -> WebhookDelivery {
        WebhookDelivery(id: try row.get("id"), endpointID: try row.get("endpoint_id"), event: try row.get("event"), orderingKey: try row.get("ordering_key"),
                        payload: try row.get("payload"), status: WebhookDelivery.Status(rawValue: try row.get("status")) ?? .pending,
                        attempts: try row.get("attempts"), nextAttemptAt: try row.get("next_attempt_at"), lastStatus: try row.get("last_status"),
                        lastError: try row.get("last_error"), createdAt: try row.get("created_at"), deliveredAt: try row.get("delivered_at"))
    }
}
