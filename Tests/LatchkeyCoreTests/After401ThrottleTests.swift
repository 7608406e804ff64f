import Foundation
import Testing
@testable import LatchkeyCore

@Suite struct After401ThrottleTests {
    @Test func oneRefreshPerCredentialPerIntervalWhileCallsOnTheSameVersionJoinIt() {
        let throttle = After401Throttle(interval: 30)
        let start = Date()
        #expect(throttle.admit(credentialID: "crd_a", version: 3, now: start))
        #expect(throttle.admit(credentialID: "crd_a", version: 3, now: start.addingTimeInterval(1)), "a call that met the 401 on the same token joins")
        #expect(!throttle.admit(credentialID: "crd_a", version: 4, now: start.addingTimeInterval(2)), "the refreshed token's 401 goes to the agent")
        #expect(throttle.admit(credentialID: "crd_b", version: 4, now: start.addingTimeInterval(2)), "other credentials are their own")
        #expect(throttle.admit(credentialID: "crd_a", version: 4, now: start.addingTimeInterval(31)), "after the interval a 401 may force one again")
    }
}
