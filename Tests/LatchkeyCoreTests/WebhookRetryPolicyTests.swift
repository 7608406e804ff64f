import Foundation
import LatchkeyCore
import Testing

@Suite struct WebhookRetryPolicyTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func waitsDoubleFromFiveSecondsUpToAnHour() {
        let policy = WebhookRetryPolicy()
        let waits = (1...12).map { policy.delay(afterAttempts: $0) }
        #expect(waits == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600].map { Duration.seconds($0) })
    }

    @Test func attemptsStopADayAfterTheEvent() {
        let policy = WebhookRetryPolicy()
        #expect(policy.nextAttempt(afterAttempts: 30, createdAt: t0, now: t0.addingTimeInterval(86_400 - 3600)) == t0.addingTimeInterval(86_400))
        #expect(policy.nextAttempt(afterAttempts: 30, createdAt: t0, now: t0.addingTimeInterval(86_400 - 3599)) == nil)
    }

    @Test func aShorterBaseKeepsTheShape() {
        let policy = WebhookRetryPolicy(base: .milliseconds(100))
        #expect(policy.delay(afterAttempts: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempts: 3) == .milliseconds(400))
        #expect(policy.delay(afterAttempts: 40) == .seconds(72))
        #expect(policy.window == .seconds(1728))
    }

    @Test func outcomesFollowTheStatus() {
        let policy = WebhookRetryPolicy()
        let delivery = WebhookDelivery(id: "msg_1", endpointID: "whe_1", event: "credential.deleted", orderingKey: "crd_1", payload: "{}", attempts: 2,
                                       nextAttemptAt: t0, createdAt: t0)
        let now = t0.addingTimeInterval(30)
        #expect(policy.outcome(of: delivery, httpStatus: 204, error: nil, now: now) == WebhookAttempt(status: .delivered, httpStatus: 204, error: nil, nextAttemptAt: nil, at: now))
        let retry = policy.outcome(of: delivery, httpStatus: 500, error: nil, now: now)
        #expect(retry == WebhookAttempt(status: .pending, httpStatus: 500, error: "HTTP 500", nextAttemptAt: now.addingTimeInterval(10), at: now))
        #expect(policy.outcome(of: delivery, httpStatus: 302, error: nil, now: now).status == .pending, "a redirect is not delivered")
        let late = t0.addingTimeInterval(86_399)
        #expect(policy.outcome(of: delivery, httpStatus: nil, error: "timeout", now: late) == WebhookAttempt(status: .failed, httpStatus: nil, error: "timeout", nextAttemptAt: nil, at: late))
    }
}
