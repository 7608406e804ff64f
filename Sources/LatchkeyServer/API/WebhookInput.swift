import LatchkeyCore

/// `POST /api/v1/webhooks`: `{"url", "events": [...], "all_users"?}`.
struct WebhookInput: Decodable, Sendable {
    let url: String
    let events: [String]
    let allUsers: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, events, allUsers = "all_users"
    }

    /// What the service registers.
    var service: WebhookService.Input {
        WebhookService.Input(url: url, events: events, allUsers: allUsers ?? false)
    }
}
