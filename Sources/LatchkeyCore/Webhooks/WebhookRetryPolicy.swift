import Foundation

/// When a failed delivery is tried again: 5 s after the first attempt, doubling up to 1 h between attempts, and
/// given up once the next attempt would fall more than 24 h after the event.
public struct WebhookRetryPolicy: Sendable, Equatable {
    /// The wait after the first failed attempt.
    public var base: Duration
    /// The longest wait between two attempts.
    public var maximum: Duration
    /// How long after the event attempts continue.
    public var window: Duration

    /// The schedule of SPEC §6; tests may shorten `base` (the maximum and window scale with it).
    public init(base: Duration = .seconds(5)) {
        self.base = base
        let scale = Self.seconds(base)
        maximum = .seconds(scale * 720)
        window = .seconds(scale * 17_280)
    }

    /// The wait after `attempts` failed attempts (1 → base, 2 → 2 × base, …, capped at `maximum`).
    public func delay(afterAttempts attempts: Int) -> Duration {
        let doublings = min(max(attempts - 1, 0), 30)
        let delay = base * (1 << doublings)
        return delay < maximum ? delay : maximum
    }

    /// When to try again after `attempts` failed attempts of an event from `createdAt`, or nil to give up.
    public func nextAttempt(afterAttempts attempts: Int, createdAt: Date, now: Date) -> Date? {
        let next = now.addingTimeInterval(Self.seconds(delay(afterAttempts: attempts)))
        return next.timeIntervalSince(createdAt) <= Self.seconds(window) ? next : nil
    }

    /// What an attempt of `delivery` (its `attempts` already counting this one) came to: a 2xx is delivered; any
    /// other status or no answer (`error`) is retried on the schedule, or failed once the window is over.
    public func outcome(of delivery: WebhookDelivery, httpStatus: Int?, error: String?, now: Date) -> WebhookAttempt {
        if let httpStatus, (200..<300).contains(httpStatus) {
            return WebhookAttempt(status: .delivered, httpStatus: httpStatus, error: nil, nextAttemptAt: nil, at: now)
        }
        let reason = error ?? httpStatus.map { "HTTP \($0)" } ?? "no answer"
        guard let next = nextAttempt(afterAttempts: delivery.attempts, createdAt: delivery.createdAt, now: now) else {
            return WebhookAttempt(status: .failed, httpStatus: httpStatus, error: reason, nextAttemptAt: nil, at: now)
        }
        return WebhookAttempt(status: .pending, httpStatus: httpStatus, error: reason, nextAttemptAt: next, at: now)
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
