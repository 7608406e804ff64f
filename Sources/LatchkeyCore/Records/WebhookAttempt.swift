import Foundation

/// What one delivery attempt came to, as the sender writes it back.
public struct WebhookAttempt: Sendable, Equatable {
    /// The delivery's status afterwards: `delivered`, `pending` again (retry at `nextAttemptAt`) or `failed`.
    public var status: WebhookDelivery.Status
    /// The HTTP status the endpoint answered, if it answered.
    public var httpStatus: Int?
    /// Why it failed, without any secret; nil when delivered.
    public var error: String?
    /// When to try again (only for `pending`).
    public var nextAttemptAt: Date?
    /// When the attempt ended.
    public var at: Date

    /// Creates an outcome.
    public init(status: WebhookDelivery.Status, httpStatus: Int?, error: String?, nextAttemptAt: Date?, at: Date) {
        self.status = status
        self.httpStatus = httpStatus
        self.error = error
        self.nextAttemptAt = nextAttemptAt
        self.at = at
    }
}
