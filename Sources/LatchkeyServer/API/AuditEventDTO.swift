import Foundation
import LatchkeyCore

/// An audit event.
struct AuditEventDTO: Encodable {
    let id: String, actor: String, action: String, targetType: String, targetID: String, detail: [String: String], createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, actor, action, detail
        case targetType = "target_type", targetID = "target_id", createdAt = "created_at"
    }

    init(_ e: AuditEvent) {
        id = e.id
        actor = e.actor
        action = e.action
        targetType = e.targetType
        targetID = e.targetID
        detail = e.detail
        createdAt = e.createdAt
    }
}
