import Foundation
import LatchkeyCore

/// One line of an endpoint's delivery log: what was sent and how it went, never the body's signature or secret.
struct WebhookDeliveryDTO: Encodable {
    let id: String, event: String, status: String, attempts: Int, lastStatus: Int?, lastError: String?
    let createdAt: Date, nextAttemptAt: Date?, deliveredAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, event, status, attempts
        case lastStatus = "last_status", lastError = "last_error", createdAt = "created_at", nextAttemptAt = "next_attempt_at", deliveredAt = "delivered_at"
    }

    init(_ d: WebhookDelivery) {
        id = d.id
        event = d.event
        status = d.status.rawValue
        attempts = d.attempts
        lastStatus = d.lastStatus
        lastError = d.lastError
        createdAt = d.createdAt
        // Only a pending delivery has a next attempt.
        nextAttemptAt = d.status == .pending ? d.nextAttemptAt : nil
        deliveredAt = d.deliveredAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(event, forKey: .event)
        try container.encode(status, forKey: .status)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastStatus, forKey: .lastStatus)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
    }
}
