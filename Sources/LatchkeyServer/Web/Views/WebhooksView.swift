/// `webhooks`: the user's webhook endpoints and the form that adds one; a new endpoint's signing secret, once.
struct WebhooksView: PageView {
    static let template = "webhooks"

    /// An event type to subscribe to.
    struct Event: Encodable {
        let name: String
        let checked: Bool
    }

    let endpoints: [WebhookRow]
    let events: [Event]
    /// The URL entered, when the form came back.
    let url: String?
    let isAdmin: Bool
    let action = "/settings/webhooks"
    /// The signing secret of the endpoint just added: the one time it exists outside the database.
    var newSecret: String?
    var newURL: String?
}
