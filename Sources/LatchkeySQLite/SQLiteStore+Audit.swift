import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func appendAudit(_ event: AuditEvent) async throws {
        try await write("audit event") { db in
            try db.execute(sql: """
                INSERT INTO audit_events (id, owner_id, actor, action, target_type, target_id, detail, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.id, event.ownerID, event.actor, event.action, event.targetType, event.targetID, Self.json(event.detail), event.createdAt.seconds])
            // The event's webhooks in the same transaction: never one without the other.
            if let webhook = WebhookEvent(audit: event) { try Self.enqueueWebhooks(webhook, db) }
        }
    }

    /// A page of a user's audit events, newest first, before a sequence number: `audit_events_owner` in reverse.
    static let auditPageSQL = "SELECT * FROM audit_events WHERE owner_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"

    public func auditEvents(ownerID: String, limit: Int, before: String?) async throws -> [AuditEvent] {
        try await read { db in
            let beforeSeq = try before.flatMap { try Int64.fetchOne(db, sql: "SELECT seq FROM audit_events WHERE id = ?", arguments: [$0]) } ?? Int64.max
            return try Self.decodeAll(db.cachedStatement(sql: Self.auditPageSQL), arguments: [ownerID, beforeSeq, limit]) { row in
                AuditEvent(id: row["id"], ownerID: row["owner_id"], actor: row["actor"], action: row["action"], targetType: row["target_type"],
                           targetID: row["target_id"], detail: try Self.decode(row["detail"]), createdAt: Date(seconds: row["created_at"]))
            }
        }
    }

    public func groupAuditEvents(groupID: String, actions: [String], limit: Int) async throws -> [AuditEvent] {
        guard !actions.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: actions.count).joined(separator: ", ")
            var arguments: StatementArguments = [groupID]
            arguments += StatementArguments(actions)
            arguments += [limit]
            return try Row.fetchAll(db, sql: """
                SELECT * FROM audit_events WHERE target_id = ? AND target_type = 'group' AND action IN (\(marks)) ORDER BY seq DESC LIMIT ?
                """, arguments: arguments).map { row in
                AuditEvent(id: row["id"], ownerID: row["owner_id"], actor: row["actor"], action: row["action"], targetType: row["target_type"],
                           targetID: row["target_id"], detail: try Self.decode(row["detail"]), createdAt: Date(seconds: row["created_at"]))
            }
        }
    }

    public func deleteAudit(createdBefore date: Date) async throws -> Int {
        try await write("audit event") { db in
            try db.execute(sql: "DELETE FROM audit_events WHERE created_at < ?", arguments: [date.seconds])
            return db.changesCount
        }
    }

    public func putOAuthApp(_ app: OAuthApp) async throws {
        try await write("oauth app") { db in
            try db.execute(sql: """
                INSERT INTO oauth_apps (provider, client_id, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (provider) DO UPDATE SET client_id = excluded.client_id, updated_at = excluded.updated_at
                """, arguments: [app.provider, app.clientID, app.updatedAt.seconds])
            try db.execute(sql: """
                INSERT INTO sealed_values (record_id, field, key_version, value) VALUES (?, 'client_secret', ?, ?)
                ON CONFLICT (record_id, field) DO UPDATE SET key_version = excluded.key_version, value = excluded.value
                """, arguments: [OAuthApp.recordID(provider: app.provider), app.clientSecret.keyVersion ?? 0, app.clientSecret.bytes])
        }
    }

    public func oauthApp(provider: String) async throws -> OAuthApp? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM oauth_apps WHERE provider = ?", arguments: [provider]),
                  let secret = try Self.secrets(db, recordID: OAuthApp.recordID(provider: provider))["client_secret"]
            else { return nil }
            return OAuthApp(provider: row["provider"], clientID: row["client_id"], clientSecret: secret, updatedAt: Date(seconds: row["updated_at"]))
        }
    }
}
