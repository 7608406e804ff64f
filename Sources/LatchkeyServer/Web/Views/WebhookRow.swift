import LatchkeyCore

/// A webhook endpoint as the pages show it. Its signing secret is never part of it.
struct WebhookRow: Encodable {
    let id: String
    let url: String
    let events: String
    /// An admin's endpoint for every user's events.
    let allUsers: Bool
    let createdAt: String
    let logURL: String
    let deleteAction: String
    /// Whether deliveries go out; the switch posts the other state.
    let enabled: Bool
    let toggleAction: String
    let toggleTo: String
    let toggleLabel: String

    init(_ endpoint: WebhookEndpoint) {
        id = endpoint.id
        url = endpoint.url
        events = endpoint.events.joined(separator: ", ")
        allUsers = endpoint.ownerID == nil
        createdAt = PageRenderer.date(endpoint.createdAt)
        logURL = "/settings/webhooks/\(endpoint.id)"
        deleteAction = "/settings/webhooks/\(endpoint.id)/delete"
        enabled = endpoint.enabled
        toggleAction = "/settings/webhooks/\(endpoint.id)/enabled"
        toggleTo = endpoint.enabled ? "false" : "true"
        toggleLabel = endpoint.enabled ? "Turn off" : "Turn on"
    }
}
