extension WebhookService {
    /// What a user asks to change on an endpoint; nil leaves a part as it is.
    public struct Change: Sendable {
        public var url: String?
        public var events: [String]?
        public var enabled: Bool?
        /// Creates a change.
        public init(url: String? = nil, events: [String]? = nil, enabled: Bool? = nil) {
            self.url = url
            self.events = events
            self.enabled = enabled
        }
    }
}
