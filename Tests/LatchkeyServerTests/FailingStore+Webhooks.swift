import Foundation
import LatchkeyCore

/// Webhook endpoints and deliveries, passed straight through.
extension FailingStore {
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws { try await base.createWebhookEndpoint(endpoint) }
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint? { try await base.webhookEndpoint(id: id) }
    func webhookEndpoints(ownerID: String, includeAllUsers: Bool) async throws -> [WebhookEndpoint] {
        try await base.webhookEndpoints(ownerID: ownerID, includeAllUsers: includeAllUsers)
    }
    func updateWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws -> Bool { try await base.updateWebhookEndpoint(endpoint) }
    func deleteWebhookEndpoint(id: String) async throws -> Bool { try await base.deleteWebhookEndpoint(id: id) }
    func webhookDelivery(id: String, endpointID: String) async throws -> WebhookDelivery? { try await base.webhookDelivery(id: id, endpointID: endpointID) }
    func webhookDeliveries(endpointID: String, after: String?, limit: Int) async throws -> [WebhookDelivery] {
        try await base.webhookDeliveries(endpointID: endpointID, after: after, limit: limit)
    }
    func claimWebhookDeliveries(owner: String, until: Date, now: Date, limit: Int) async throws -> [WebhookDelivery] {
        try await base.claimWebhookDeliveries(owner: owner, until: until, now: now, limit: limit)
    }
    func deleteSettledWebhookDeliveries(createdBefore date: Date) async throws -> Int { try await base.deleteSettledWebhookDeliveries(createdBefore: date) }
    func finishWebhookDelivery(id: String, owner: String, _ attempt: WebhookAttempt) async throws -> Bool {
        try await base.finishWebhookDelivery(id: id, owner: owner, attempt)
    }
}
