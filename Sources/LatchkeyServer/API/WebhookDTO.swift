import Foundation
import LatchkeyCore

/// An endpoint as its owner sees it; `secret` only in the creation response, never again (the synthesized
/// encoding leaves a nil `secret` out).
struct WebhookDTO: Encodable {
    let id: String, url: String, events: [String], allUsers: Bool, enabled: Bool, createdAt: Date, secret: String?

    enum CodingKeys: String, CodingKey {
        case id, url, events, enabled, secret
        case allUsers = "all_users", createdAt = "created_at"
    }

    init(_ e: WebhookEndpoint, secret: String? = nil) {
        id = e.id
        url = e.url
        events = e.events
        allUsers = e.ownerID == nil
        enabled = e.enabled
        createdAt = e.createdAt
        self.secret = secret
    }
}
