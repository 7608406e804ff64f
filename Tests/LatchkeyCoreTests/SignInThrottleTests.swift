import Testing
@testable import LatchkeyCore

@Suite struct SignInThrottleTests {
    @Test func theDelayStartsAfterTheFreeAttemptsAndDoublesUpToTheCap() {
        #expect((0..<SignInThrottle.freeAttempts).allSatisfy { SignInThrottle.delay(afterFailures: $0) == 0 })
        #expect(SignInThrottle.delay(afterFailures: 5) == 30 && SignInThrottle.delay(afterFailures: 6) == 60 && SignInThrottle.delay(afterFailures: 7) == 120)
        #expect(SignInThrottle.delay(afterFailures: 12) == SignInThrottle.longestDelay && SignInThrottle.delay(afterFailures: 500) == SignInThrottle.longestDelay)
    }

    @Test func failuresAreAuditedAtPowersOfTwo() {
        let audited = (1...20).filter { SignInThrottle.audited(accountExists: true, pairFailures: $0, clientFailures: 99) }
        #expect(audited == [1, 2, 4, 8, 16])
        #expect(SignInThrottle.audited(accountExists: false, pairFailures: 1, clientFailures: 8))
        #expect(!SignInThrottle.audited(accountExists: false, pairFailures: 1, clientFailures: 9))
    }
}
