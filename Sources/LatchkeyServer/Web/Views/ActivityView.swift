/// `activity`: the user's audit log, newest first, one page of it.
struct ActivityView: PageView {
    static let template = "activity"

    /// One audit event, in words.
    struct Event: Encodable {
        let createdAt: String
        let actor: String
        let action: String
        let target: String
        let detail: String
    }

    let events: [Event]
    let empty: Bool
    /// Older events, when there are more.
    let nextURL: String?

    init(events: [Event], nextURL: String?) {
        self.events = events
        empty = events.isEmpty
        self.nextURL = nextURL
    }
}
