import Foundation

/// Users' webhook endpoints: registered with a URL that must be https at a public address (unless the operator
/// allows private ones) and a list of known events; the signing secret is shown once and stored sealed. Users see
/// only their own endpoints; admins also register and see endpoints for every user's events.
public struct WebhookService: Sendable {
    let store: any Store
    let sealer: Sealer
    let clock: any WallClock
    let allowPrivate: Bool
    /// Refuses a host that is not at a public address (resolving it); the server supplies it.
    let checkAddress: @Sendable (_ host: String, _ port: Int) async throws -> Void
    /// The most endpoints one user may register.
    public static let perUser = 20

    /// Creates the service.
    public init(store: any Store, sealer: Sealer, clock: any WallClock, allowPrivate: Bool,
                checkAddress: @escaping @Sendable (_ host: String, _ port: Int) async throws -> Void) {
        self.store = store
        self.sealer = sealer
        self.clock = clock
        self.allowPrivate = allowPrivate
        self.checkAddress = checkAddress
    }

    /// What a user asks to register.
    public struct Input: Sendable {
        public var url: String
        public var events: [String]
        public var allUsers: Bool
        /// Creates an input.
        public init(url: String, events: [String], allUsers: Bool) {
            self.url = url
            self.events = events
            self.allUsers = allUsers
        }
    }

    /// Registers the endpoint; returns it with its secret in the clear, which is never shown again.
    public func create(user: User, _ input: Input) async throws -> (WebhookEndpoint, secret: String) {
        guard !input.allUsers || user.role == .admin else {
            throw LatchkeyError.forbidden("only an admin may register an endpoint for all users")
        }
        let events = try Self.checkedEvents(input.events)
        let url = try checkedURL(input.url)
        guard try await store.webhookEndpoints(ownerID: user.id, includeAllUsers: false).count < Self.perUser else {
            throw Quotas.reached("webhook endpoints", Self.perUser)
        }
        try await checkPublic(url)
        let id = Identifier.make("whe")
        let secret = WebhookSignature.makeSecret()
        let endpoint = WebhookEndpoint(id: id, ownerID: input.allUsers ? nil : user.id, url: url, events: events,
                                       secret: try await sealer.seal(secret, recordID: id, field: WebhookEndpoint.secretField), createdAt: clock.now)
        try await store.createWebhookEndpoint(endpoint)
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "user:\(user.id)", action: "webhook.created", targetType: "webhook",
                                                              targetID: id, detail: ["events": events.joined(separator: ",")])
        return (endpoint, secret)
    }

    /// The user's endpoints, and for an admin also those for all users.
    public func list(user: User) async throws -> [WebhookEndpoint] {
        try await store.webhookEndpoints(ownerID: user.id, includeAllUsers: user.role == .admin)
    }

    /// One endpoint the user may see (their own; for an admin also one for all users); not found otherwise.
    public func endpoint(user: User, id: String) async throws -> WebhookEndpoint {
        guard id.utf8.count <= 64, let endpoint = try await store.webhookEndpoint(id: id),
              endpoint.ownerID == user.id || (endpoint.ownerID == nil && user.role == .admin)
        else { throw LatchkeyError.notFound("webhook") }
        return endpoint
    }

    /// Changes one the user may see: turns it on or off, or gives it another URL (checked as on registration) or
    /// events. Its secret stays. Off, it gets no new deliveries and its pending ones wait, in order, until it is on
    /// again (one already being sent finishes).
    public func update(user: User, id: String, _ change: Change) async throws -> WebhookEndpoint {
        var endpoint = try await endpoint(user: user, id: id)
        if let events = change.events { endpoint.events = try Self.checkedEvents(events) }
        if let url = change.url {
            endpoint.url = try checkedURL(url)
            try await checkPublic(endpoint.url)
        }
        if let enabled = change.enabled { endpoint.enabled = enabled }
        guard try await store.updateWebhookEndpoint(endpoint) else { throw LatchkeyError.notFound("webhook") }
        var detail = ["enabled": endpoint.enabled ? "true" : "false"]
        if change.events != nil { detail["events"] = endpoint.events.joined(separator: ",") }
        if change.url != nil { detail["url_changed"] = "true" }
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "user:\(user.id)", action: "webhook.updated", targetType: "webhook",
                                                              targetID: endpoint.id, detail: detail)
        return endpoint
    }

    /// Deletes one the user may see, with its deliveries.
    public func delete(user: User, id: String) async throws {
        let endpoint = try await endpoint(user: user, id: id)
        guard try await store.deleteWebhookEndpoint(id: endpoint.id) else { throw LatchkeyError.notFound("webhook") }
        try await AuditLog(store: store, clock: clock).record(ownerID: user.id, actor: "user:\(user.id)", action: "webhook.deleted", targetType: "webhook",
                                                              targetID: id, detail: [:])
    }

    /// A page of the endpoint's deliveries, newest first.
    public func deliveries(user: User, id: String, limit: Int?, cursor: String?) async throws -> Page<WebhookDelivery> {
        let endpoint = try await endpoint(user: user, id: id)
        let limit = try Page<WebhookDelivery>.limit(limit)
        try await Page<WebhookDelivery>.check(cursor: cursor) { try await store.webhookDelivery(id: $0, endpointID: endpoint.id) != nil }
        let fetched = try await store.webhookDeliveries(endpointID: endpoint.id, after: cursor, limit: limit + 1)
        return Page(fetched: fetched, limit: limit, id: \.id)
    }

    /// Known event names, each once, in the order given; at least one.
    static func checkedEvents(_ events: [String]) throws(LatchkeyError) -> [String] {
        guard !events.isEmpty else { throw .validationFailed(field: "events", message: "'events' must name at least one event") }
        var seen: [String] = []
        for event in events {
            guard WebhookEventType(rawValue: event) != nil else {
                let known = WebhookEventType.allCases.map(\.rawValue).joined(separator: ", ")
                throw .validationFailed(field: "events", message: "'events' holds an unknown event; known events are \(known)")
            }
            if !seen.contains(event) { seen.append(event) }
        }
        return seen
    }

    /// https (http only when private addresses are allowed), no user information or fragment.
    func checkedURL(_ text: String) throws(LatchkeyError) -> String {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty, components.user == nil, components.password == nil, components.fragment == nil
        else { throw .validationFailed(field: "url", message: "'url' must be an absolute https URL without user or fragment") }
        guard scheme == "https" || (scheme == "http" && allowPrivate) else {
            throw .validationFailed(field: "url", message: "'url' must use https")
        }
        return text
    }

    /// Refuses a URL whose host resolves to any non-public address.
    func checkPublic(_ url: String) async throws {
        guard let components = URLComponents(string: url), let host = components.host else { return }
        do { try await checkAddress(host, components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)) } catch {
            throw LatchkeyError.validationFailed(field: "url", message: "\(host) is not at a public address; an operator may allow private ones with LATCHKEY_ALLOW_PRIVATE_UPSTREAMS")
        }
    }
}
