/// `webhook`: one endpoint's deliveries, newest first, one page of them.
struct WebhookView: PageView {
    static let template = "webhook"

    /// One delivery and where it stands.
    struct Delivery: Encodable {
        let id: String
        let event: String
        let status: String
        let attempts: Int
        let lastStatus: String
        let lastError: String?
        let createdAt: String
        let delivered: Bool
        let failed: Bool
        let nextAttemptAt: String?
    }

    let endpoint: WebhookRow
    let deliveries: [Delivery]
    /// Older deliveries, when there are more.
    let nextURL: String?
}
