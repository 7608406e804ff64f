import Foundation

extension MemoryStore {
    /// A row of `webhook_endpoints`; the signing secret lives with the sealed values (where key rotation finds it).
    struct WebhookEndpointRow: Sendable {
        var endpoint: WebhookEndpoint
    }

    /// A row of `webhook_deliveries`: the delivery, its `seq` and its lease.
    struct WebhookDeliveryRow: Sendable {
        var delivery: WebhookDelivery
        let sequence: Int
        var leaseOwner: String?
        var leaseExpiresAt: Date?
    }

    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws {
        if let owner = endpoint.ownerID, tables.users[owner] == nil { throw Self.missing("user") }
        guard tables.webhookEndpoints[endpoint.id] == nil, !sealedValuesExist(endpoint.id, fields: [WebhookEndpoint.secretField]) else {
            throw StoreError.conflict("webhook")
        }
        tables.webhookEndpoints[endpoint.id] = WebhookEndpointRow(endpoint: endpoint)
        putSealedValue(endpoint.secret, recordID: endpoint.id, field: WebhookEndpoint.secretField)
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpoint? {
        storedEndpoint(id)
    }

    public func webhookEndpoints(ownerID: String, includeAllUsers: Bool) async throws -> [WebhookEndpoint] {
        tables.webhookEndpoints.values
            .filter { $0.endpoint.ownerID == ownerID || (includeAllUsers && $0.endpoint.ownerID == nil) }
            .sorted { a, b in
                a.endpoint.createdAt != b.endpoint.createdAt ? a.endpoint.createdAt < b.endpoint.createdAt : Self.precedes(a.endpoint.id, b.endpoint.id)
            }
            .compactMap { storedEndpoint($0.endpoint.id) }
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool {
        guard var row = tables.webhookEndpoints[endpoint.id] else { return false }
        row.endpoint.url = endpoint.url
        row.endpoint.events = endpoint.events
        row.endpoint.enabled = endpoint.enabled
        tables.webhookEndpoints[endpoint.id] = row
        return true
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        let existed = tables.webhookEndpoints.removeValue(forKey: id) != nil
        tables.webhookDeliveries.removeAll { $0.delivery.endpointID == id }
        deleteSealedValues(of: id)
        return existed
    }

    public func webhookDelivery(id: String, endpointID: String) async throws -> WebhookDelivery? {
        tables.webhookDeliveries.first { $0.delivery.id == id && $0.delivery.endpointID == endpointID }?.delivery
    }

    public func webhookDeliveries(endpointID: String, after: String?, limit: Int) async throws -> [WebhookDelivery] {
        // Newest first; a page starts right after the cursor's delivery (a cursor naming nothing reads from the newest).
        let before = after.flatMap { id in tables.webhookDeliveries.first { $0.delivery.id == id && $0.delivery.endpointID == endpointID }?.sequence } ?? Int.max
        var page: [WebhookDelivery] = []
        for row in tables.webhookDeliveries.reversed() where page.count < limit && row.delivery.endpointID == endpointID && row.sequence < before {
            page.append(row.delivery)
        }
        return page
    }

    public func claimWebhookDeliveries(owner: String, until: Date, now: Date, limit: Int) async throws -> [WebhookDelivery] {
        // Rows are in `seq` order, so the first pending row of each (endpoint, ordering key) is the oldest one.
        var firstPending: Set<String> = []
        var claimed: [WebhookDelivery] = []
        for index in tables.webhookDeliveries.indices where claimed.count < limit {
            let row = tables.webhookDeliveries[index]
            guard row.delivery.status == .pending else { continue }
            let key = row.delivery.endpointID + "\u{0}" + row.delivery.orderingKey
            guard firstPending.insert(key).inserted else { continue }
            guard tables.webhookEndpoints[row.delivery.endpointID]?.endpoint.enabled == true, row.delivery.nextAttemptAt <= now, row.leaseOwner == nil || (row.leaseExpiresAt ?? .distantPast) < now else { continue }
            tables.webhookDeliveries[index].leaseOwner = owner
            tables.webhookDeliveries[index].leaseExpiresAt = until
            tables.webhookDeliveries[index].delivery.attempts += 1
            claimed.append(tables.webhookDeliveries[index].delivery)
        }
        return claimed
    }

    public func finishWebhookDelivery(id: String, owner: String, _ attempt: WebhookAttempt) async throws -> Bool {
        guard let index = tables.webhookDeliveries.firstIndex(where: { $0.delivery.id == id && $0.leaseOwner == owner }) else { return false }
        var row = tables.webhookDeliveries[index]
        row.delivery.status = attempt.status
        row.delivery.lastStatus = attempt.httpStatus
        row.delivery.lastError = attempt.error
        if let next = attempt.nextAttemptAt { row.delivery.nextAttemptAt = next }
        if attempt.status == .delivered { row.delivery.deliveredAt = attempt.at }
        row.leaseOwner = nil
        row.leaseExpiresAt = nil
        tables.webhookDeliveries[index] = row
        return true
    }

    public func deleteSettledWebhookDeliveries(createdBefore date: Date) async throws -> Int {
        let before = tables.webhookDeliveries.count
        tables.webhookDeliveries.removeAll { $0.delivery.status != .pending && $0.delivery.createdAt < date }
        return before - tables.webhookDeliveries.count
    }

    /// Adds the deliveries of `event` for every enabled endpoint subscribed to it (the owner's and those for all
    /// users), in endpoint id order; called from `appendAudit`, in the same step as the audit event.
    func enqueueWebhooks(_ event: WebhookEvent) {
        let endpoints = tables.webhookEndpoints.values.map(\.endpoint)
            .filter { $0.enabled && ($0.ownerID == event.ownerID || $0.ownerID == nil) && $0.events.contains(event.type.rawValue) }
            .sorted { Self.precedes($0.id, $1.id) }
        for endpoint in endpoints {
            let delivery = WebhookDelivery(id: Identifier.make("msg"), endpointID: endpoint.id, event: event.type.rawValue, orderingKey: event.orderingKey,
                                           payload: event.payload, nextAttemptAt: event.createdAt, createdAt: event.createdAt)
            tables.webhookDeliveries.append(WebhookDeliveryRow(delivery: delivery, sequence: nextSequence()))
        }
    }

    /// The endpoint stored under `id`, with its secret from the sealed values.
    private func storedEndpoint(_ id: String) -> WebhookEndpoint? {
        guard var endpoint = tables.webhookEndpoints[id]?.endpoint, let secret = secrets(of: id)[WebhookEndpoint.secretField] else { return nil }
        endpoint.secret = secret
        return endpoint
    }
}
