import Foundation
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@Suite struct WarningServiceTests {
    @Test func spentBudgetsAndPendingApprovalsAreCurrentByTheInjectedClock() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let store = MemoryStore(clock: clock)
        let warnings = WarningService(store: store, links: SetupLinks(publicURL: "http://latchkey.test"), clock: clock)
        let owner = User(id: "usr_1", email: "a@example.com", passwordHash: "-", role: .member, createdAt: clock.now)
        try await store.createUser(owner)
        let group = AgentGroup(id: "grp_1", ownerID: owner.id, name: "bots", createdAt: clock.now)
        try await store.createGroup(group)
        #expect(try await store.recordBudgetExceeded(BudgetExceeded(groupID: group.id, scope: "*", per: .minute, windowStart: clock.now, at: clock.now)))
        try await store.createApproval(Approval(id: "apr_1", groupID: group.id, ownerID: owner.id, provider: "github", method: "DELETE", path: "/x",
                                                rule: "DELETE /**", status: .pending, createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(try await warnings.warnings(owner: owner).map(\.kind).sorted() == ["approval_requested", "budget_exceeded"])

        clock.advance(2 * 86_400)
        #expect(try await warnings.warnings(owner: owner).isEmpty, "a day-old spent window and a lapsed request are no longer news")
    }
}
