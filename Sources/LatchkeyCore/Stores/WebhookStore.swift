import Foundation

/// Webhook endpoints and their durable outbox of deliveries.
///
/// Deliveries are not written through this protocol: `AuditStore.appendAudit` inserts them for every matching
/// endpoint in the same transaction as the audit event (see `WebhookEvent`), so an event is never recorded without
/// its deliveries or the other way round.
public protocol WebhookStore: Sendable {
    /// Stores a new endpoint with its sealed secret.
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws
    /// One endpoint, whoever owns it.
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint?
    /// The endpoints of `ownerID`, and with `includeAllUsers` also those with no owner; oldest first.
    func webhookEndpoints(ownerID: String, includeAllUsers: Bool) async throws -> [WebhookEndpoint]
    /// Writes an endpoint's `url`, `events` and `enabled` (its owner, secret and creation time stay); whether it existed.
    func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool
    /// Deletes an endpoint, its secret and its deliveries; whether it existed.
    func deleteWebhookEndpoint(id: String) async throws -> Bool
    /// One delivery of the endpoint.
    func webhookDelivery(id: String, endpointID: String) async throws -> WebhookDelivery?
    /// The endpoint's deliveries, newest first, starting after the delivery `after` in that order.
    func webhookDeliveries(endpointID: String, after: String?, limit: Int) async throws -> [WebhookDelivery]
    /// Claims up to `limit` due deliveries for `owner` until `until`, in one atomic conditional write: a delivery is
    /// due when it is pending, its endpoint is enabled (a disabled endpoint's deliveries wait, still in order), its
    /// `nextAttemptAt` has come, nobody holds an unexpired lease on it, and no earlier
    /// delivery of the same endpoint and ordering key is still pending (strict order per key). Each claimed
    /// delivery's `attempts` goes up by one. Two owners never hold the same delivery at once.
    func claimWebhookDeliveries(owner: String, until: Date, now: Date, limit: Int) async throws -> [WebhookDelivery]
    /// Deletes delivered and failed deliveries of events before `date` (pending ones stay); returns how many.
    func deleteSettledWebhookDeliveries(createdBefore date: Date) async throws -> Int
    /// Writes an attempt's outcome and releases the lease, only if `owner` still holds it; whether it wrote.
    func finishWebhookDelivery(id: String, owner: String, _ attempt: WebhookAttempt) async throws -> Bool
}
