import LatchkeyCore
import LatchkeyTestSupport
import Synchronization
import Testing

@Suite struct WaitingLimitTests {
    /// Runs `tasks` bodies through `limit`, each holding its place until released; returns the most seen at once.
    @Test func neverMoreThanTheLimitUnderWayAndEveryoneServed() async throws {
        let limit = WaitingLimit(3)
        let tally = ConcurrencyTally()
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try await limit.run {
                        tally.enter()
                        try await Task.sleep(for: .milliseconds(5))
                        tally.leave()
                        return i
                    }
                }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(done == Set(0..<40))
        #expect(tally.most == 3)
        #expect(tally.underWay == 0)
    }

    @Test func aFailingBodyGivesItsPlaceBack() async throws {
        struct Boom: Error {}
        let limit = WaitingLimit(1)
        for _ in 0..<3 {
            await #expect(throws: Boom.self) { try await limit.run { throw Boom() } }
        }
        #expect(try await limit.run { 7 } == 7, "the place was given back after each failure")
    }

    @Test func waitersAreServedInTheOrderTheyCame() async throws {
        let limit = WaitingLimit(1)
        let order = Recorded<Int>()
        let gate = AsyncStream<Void>.makeStream()
        // The first holds the place until told; the others queue behind it one by one.
        let stream = gate.stream
        let first = Task { await limit.run { for await _ in stream { break } } }
        while limit.isFull == false { await Task.yield() }
        var waiters: [Task<Void, Never>] = []
        for i in 0..<10 {
            waiters.append(Task { await limit.run { order.append(i) } })
            while limit.waiting < i + 1 { await Task.yield() }
        }
        gate.continuation.yield()
        await first.value
        for waiter in waiters { await waiter.value }
        #expect(order.values == Array(0..<10))
    }
}
