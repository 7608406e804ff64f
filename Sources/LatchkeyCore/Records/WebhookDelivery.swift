import Foundation

/// One event for one endpoint in the outbox: sent until delivered, or given up after the retry window.
public struct WebhookDelivery: Sendable, Equatable {
    /// Where a delivery stands.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        /// Not yet delivered; sent when due (and when every earlier delivery of its ordering key is settled).
        case pending
        /// Answered with a 2xx.
        case delivered
        /// Given up: no 2xx within the retry window.
        case failed
    }

    /// The record id, also the `webhook-id` header (`msg_…`): the same on every attempt.
    public var id: String
    /// The endpoint it goes to.
    public var endpointID: String
    /// The event type, e.g. `credential.connected`.
    public var event: String
    /// Deliveries of one endpoint with one key go out strictly in order (the credential id, or the group id).
    public var orderingKey: String
    /// The JSON body, exactly as signed and sent.
    public var payload: String
    /// Where it stands.
    public var status: Status
    /// Attempts started so far.
    public var attempts: Int
    /// When it may next be attempted.
    public var nextAttemptAt: Date
    /// The HTTP status of the last attempt, when it got one.
    public var lastStatus: Int?
    /// Why the last attempt failed, without any secret (e.g. `timeout`, `HTTP 500`).
    public var lastError: String?
    /// When the event happened.
    public var createdAt: Date
    /// When an endpoint answered with a 2xx.
    public var deliveredAt: Date?

    /// Creates a record.
    public init(id: String, endpointID: String, event: String, orderingKey: String, payload: String, status: Status = .pending, attempts: Int = 0,
                nextAttemptAt: Date, lastStatus: Int? = nil, lastError: String? = nil, createdAt: Date, deliveredAt: Date? = nil) {
        self.id = id
        self.endpointID = endpointID
        self.event = event
        self.orderingKey = orderingKey
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}
