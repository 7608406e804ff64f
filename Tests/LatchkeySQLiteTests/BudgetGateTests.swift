import Foundation
import LatchkeyCore
import LatchkeySQLite
import Synchronization
import Testing

/// The budget gate over a real SQLite store: exact admission under concurrency, windows rolling over, the
/// concurrency cap, and several gates (servers) sharing one database.
@Suite struct BudgetGateTests {
    final class ManualClock: WallClock, Sendable {
        private let current: Mutex<Date>
        init(_ start: Date) { current = Mutex(start) }
        var now: Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static let links = SetupLinks(publicURL: "https://latchkey.test")
    /// 10 s into a minute, so a test's calls all fall in one window.
    static let start = Date(timeIntervalSince1970: 1_800_000_010)

    static func group(_ store: SQLiteStore, budget: Budget) async throws -> AgentGroup {
        let user = User(id: Identifier.make("usr"), email: "\(UUID().uuidString)@example.com", passwordHash: "x", role: .member, createdAt: start)
        try await store.createUser(user)
        let group = AgentGroup(id: Identifier.make("grp"), ownerID: user.id, name: "bots", createdAt: start, budget: budget)
        try await store.createGroup(group)
        return group
    }

    /// Admits `count` concurrent calls through `gates` (round robin); returns admitted and refused counts.
    static func race(_ gates: [BudgetGate], group: AgentGroup, provider: String = "openai", count: Int) async -> (admitted: Int, refused: [LatchkeyError]) {
        await withTaskGroup(of: Result<Admission?, LatchkeyError>.self) { tasks in
            for index in 0..<count {
                let gate = gates[index % gates.count]
                tasks.addTask {
                    do { return .success(try await gate.admit(group: group, provider: provider)) } catch let error as LatchkeyError { return .failure(error) } catch {
                        return .failure(.badRequest("\(error)"))
                    }
                }
            }
            var admitted = 0
            var refused: [LatchkeyError] = []
            for await result in tasks {
                switch result {
                case .success: admitted += 1
                case .failure(let error): refused.append(error)
                }
            }
            return (admitted, refused)
        }
    }

    @Test func aBudgetOf100PerMinuteAdmitsExactly100Of300ConcurrentCallsThenRollsOver() async throws {
        let store = try await TemporaryDatabase().open()
        let clock = ManualClock(Self.start)
        let gate = BudgetGate(store: store, clock: clock, links: Self.links)
        let group = try await Self.group(store, budget: Budget(limits: [BudgetLimit(provider: nil, per: .minute, calls: 100)]))
        let first = await Self.race([gate], group: group, count: 300)
        #expect(first.admitted == 100)
        #expect(first.refused.count == 200)
        for error in first.refused {
            guard case .budgetExceeded(_, let retryAfter, let setupURL) = error else { Issue.record("unexpected \(error)"); continue }
            #expect(retryAfter == 50)
            #expect(setupURL == "https://latchkey.test/groups/\(group.id)#budget")
        }
        // Refused calls do not count.
        #expect(try await gate.usage(group: group).limits.first?.used == 100)
        clock.advance(50)
        let second = await Self.race([gate], group: group, count: 150)
        #expect(second.admitted == 100)
        #expect(try await gate.usage(group: group).limits.first?.used == 100)
    }

    @Test func threeServersOnOneDatabaseAdmitAtMostTheLimit() async throws {
        let directory = TemporaryDatabase()
        let clock = ManualClock(Self.start)
        // Three stores on one database file, as three processes would have.
        let stores = [try await directory.open(), try await directory.open(), try await directory.open()]
        let gates = stores.map { BudgetGate(store: $0, clock: clock, links: Self.links) }
        let group = try await Self.group(stores[0], budget: Budget(limits: [BudgetLimit(provider: nil, per: .minute, calls: 100)]))
        let result = await Self.race(gates, group: group, count: 300)
        #expect(result.admitted <= 100)
        #expect(result.admitted >= 100 - 2 * 1)  // at most one block (1 call at this limit) short per other server
    }

    @Test func limitsPerProviderCountApartAndAllMustFit() async throws {
        let store = try await TemporaryDatabase().open()
        let gate = BudgetGate(store: store, clock: ManualClock(Self.start), links: Self.links)
        let group = try await Self.group(store, budget: Budget(limits: [BudgetLimit(provider: "openai", per: .hour, calls: 2),
                                                                        BudgetLimit(provider: nil, per: .day, calls: 3)]))
        #expect(await Self.race([gate], group: group, provider: "openai", count: 5).admitted == 2)
        // github has no limit of its own, but the group's daily 3 holds: one left.
        #expect(await Self.race([gate], group: group, provider: "github", count: 5).admitted == 1)
        let usage = try await gate.usage(group: group).limits.map(\.used)
        #expect(usage == [2, 3])
    }

    @Test func theConcurrencyCapHoldsUntilACallFinishes() async throws {
        let store = try await TemporaryDatabase().open()
        let gate = BudgetGate(store: store, clock: ManualClock(Self.start), links: Self.links)
        let group = try await Self.group(store, budget: Budget(maxConcurrent: 2))
        let one = try #require(try await gate.admit(group: group, provider: "openai"))
        let two = try #require(try await gate.admit(group: group, provider: "openai"))
        await #expect(throws: LatchkeyError.self) { try await gate.admit(group: group, provider: "openai") }
        #expect(try await gate.usage(group: group).concurrent == 2)
        one.finish()
        one.finish()  // once only
        let three = try await gate.admit(group: group, provider: "openai")
        #expect(three != nil)
        #expect(try await gate.usage(group: group).concurrent == 2)
        _ = two
    }

    @Test func aSpentWindowIsReportedOncePerWindow() async throws {
        let store = try await TemporaryDatabase().open()
        let reports = Mutex(0)
        let clock = ManualClock(Self.start)
        let gate = BudgetGate(store: store, clock: clock, links: Self.links) { _, _ in reports.withLock { $0 += 1 } }
        let group = try await Self.group(store, budget: Budget(limits: [BudgetLimit(provider: nil, per: .minute, calls: 1)]))
        _ = await Self.race([gate], group: group, count: 20)
        #expect(reports.withLock { $0 } == 1)
        clock.advance(60)
        _ = await Self.race([gate], group: group, count: 20)
        #expect(reports.withLock { $0 } == 2)
    }

    @Test func aZeroLimitRefusesWithoutLeasing() async throws {
        let store = try await TemporaryDatabase().open()
        let gate = BudgetGate(store: store, clock: ManualClock(Self.start), links: Self.links)
        let group = try await Self.group(store, budget: Budget(limits: [BudgetLimit(provider: nil, per: .month, calls: 0)]))
        #expect(await Self.race([gate], group: group, count: 3).admitted == 0)
    }
}
