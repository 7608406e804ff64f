import LatchkeyCore

/// `PATCH /api/v1/webhooks/{id}`: `{"enabled"?, "url"?, "events"?}`, each left as is when absent.
struct WebhookUpdateInput: Decodable, Sendable {
    let enabled: Bool?
    let url: String?
    let events: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, url, events
    }

    /// What the service changes.
    var service: WebhookService.Change {
        WebhookService.Change(url: url, events: events, enabled: enabled)
    }
}
