import Foundation

/// The webhook an audit event turns into: its type, ordering key and the JSON body every endpoint receives.
///
/// The body is `{"type", "timestamp", "data"}` where `data` holds only ids, the provider and a status. It is built
/// from a fixed list of detail keys, never by copying the audit detail, so nothing an audit record may carry beyond
/// ids (names, paths, reasons) reaches a receiver, and no secret can.
public struct WebhookEvent: Sendable, Equatable {
    /// The event type.
    public var type: WebhookEventType
    /// Whose event it is (endpoints of this user and endpoints for all users receive it).
    public var ownerID: String
    /// Deliveries with one key go out in order: the credential id, or the group id for group events.
    public var orderingKey: String
    /// The JSON body.
    public var payload: String
    /// When it happened.
    public var createdAt: Date

    /// Detail keys that are ids or non-secret names the payload may carry.
    static let dataKeys = ["approval_id", "group_id", "provider", "per"]

    /// The webhook for `audit`, or nil when its action is no webhook event.
    public init?(audit: AuditEvent) {
        guard let type = WebhookEventType(auditAction: audit.action) else { return nil }
        self.type = type
        ownerID = audit.ownerID
        orderingKey = audit.targetID
        createdAt = audit.createdAt
        var data: [String: String] = ["status": type.status, "user_id": audit.ownerID]
        data[audit.targetType + "_id"] = audit.targetID
        for key in Self.dataKeys { if let value = audit.detail[key] { data[key] = value } }
        if type == .budgetExceeded, let scope = audit.detail["scope"], scope != "*" { data["provider"] = scope }
        payload = Self.body(type: type.rawValue, at: audit.createdAt, data: data)
    }

    /// `{"type", "timestamp", "data"}` with sorted keys, the timestamp in RFC 3339 UTC.
    static func body(type: String, at date: Date, data: [String: String]) -> String {
        struct Body: Encodable { let type: String; let timestamp: String; let data: [String: String] }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return StoredJSON.encode(Body(type: type, timestamp: formatter.string(from: date), data: data))
    }
}
