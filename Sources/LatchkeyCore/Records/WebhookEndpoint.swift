import Foundation

/// A URL that receives signed event deliveries. The signing secret is sealed.
public struct WebhookEndpoint: Sendable, Equatable {
    /// The record id (`whe_…`).
    public var id: String
    /// The user whose events it receives; nil for an admin's endpoint that receives every user's events.
    public var ownerID: String?
    /// Where deliveries are POSTed.
    public var url: String
    /// The event types it subscribes to (`WebhookEventType` raw values).
    public var events: [String]
    /// The signing secret (`whsec_…`), sealed for (`id`, `signing_secret`).
    public var secret: SealedValue
    /// When it was registered.
    public var createdAt: Date
    /// Whether deliveries are made to it.
    public var enabled: Bool

    /// Creates a record.
    public init(id: String, ownerID: String?, url: String, events: [String], secret: SealedValue, createdAt: Date, enabled: Bool = true) {
        self.id = id
        self.ownerID = ownerID
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
        self.enabled = enabled
    }

    /// The sealed field that holds the signing secret.
    public static let secretField = "signing_secret"
}
