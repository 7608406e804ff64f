import Foundation
import Synchronization

/// Counts calls per group, provider and UTC day in memory, and adds them to the database now and then (`flush`), so
/// that the proxy writes nothing per call. Counts not yet flushed are merged into what `daily` answers on this server;
/// another server's show up after its next flush (every few seconds while it runs, and when it stops).
///
/// A flush and a read of `daily` take turns: a read between a flush taking the counts and its write landing would
/// find them in neither place and show too few calls.
public final class UsageRecorder: Sendable {
    struct Key: Hashable {
        let group: String
        let provider: String
        /// Days since 1970 (UTC): cheaper per call than the date text, which is made at flush.
        let day: Int
    }

    let store: any UsageStore
    let clock: any WallClock
    private let pending = Mutex<[Key: (calls: Int, refused: Int)]>([:])
    /// One flush or read at a time (see above); calls are counted without it.
    private let turns = WaitingLimit(1)

    public init(store: any UsageStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// The UTC day of `date`, as `YYYY-MM-DD`.
    public static func day(of date: Date) -> String { day(number: dayNumber(of: date)) }

    static func dayNumber(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// Integer arithmetic (civil from days, after Howard Hinnant), not a calendar.
    static func day(number: Int) -> String {
        let days = number + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// Counts one admitted call.
    public func admitted(groupID: String, provider: String) { add(groupID: groupID, provider: provider, calls: 1, refused: 0) }

    /// Counts one refused call (policy, approval or budget).
    public func refused(groupID: String, provider: String) { add(groupID: groupID, provider: provider, calls: 0, refused: 1) }

    private func add(groupID: String, provider: String, calls: Int, refused: Int) {
        let key = Key(group: groupID, provider: provider, day: Self.dayNumber(of: clock.now))
        pending.withLock { pending in
            let current = pending[key] ?? (0, 0)
            pending[key] = (current.calls + calls, current.refused + refused)
        }
    }

    /// Adds the counts so far to the database; on failure they are kept for the next flush.
    public func flush() async throws {
        try await turns.run { try await flushInTurn() }
    }

    private func flushInTurn() async throws {
        let taken = pending.withLock { pending in
            let taken = pending
            pending.removeAll()
            return taken
        }
        guard !taken.isEmpty else { return }
        do {
            try await store.addUsage(taken.map { DailyUsage(groupID: $0.key.group, provider: $0.key.provider, day: Self.day(number: $0.key.day), calls: $0.value.calls, refused: $0.value.refused) })
        } catch {
            pending.withLock { pending in
                for (key, value) in taken {
                    let current = pending[key] ?? (0, 0)
                    pending[key] = (current.calls + value.calls, current.refused + value.refused)
                }
            }
            throw error
        }
    }

    /// The group's daily usage over the last `days` days, this server's unflushed counts included.
    public func daily(groupID: String, days: Int) async throws -> [DailyUsage] {
        try await turns.run { try await dailyInTurn(groupID: groupID, days: days) }
    }

    private func dailyInTurn(groupID: String, days: Int) async throws -> [DailyUsage] {
        let sinceNumber = Self.dayNumber(of: clock.now) - (days - 1)
        let since = Self.day(number: sinceNumber)
        var rows: [String: DailyUsage] = [:]
        for row in try await store.dailyUsage(groupID: groupID, sinceDay: since) { rows["\(row.day) \(row.provider)"] = row }
        for (key, value) in pending.withLock({ $0 }) where key.group == groupID && key.day >= sinceNumber {
            let day = Self.day(number: key.day)
            var row = rows["\(day) \(key.provider)"] ?? DailyUsage(groupID: groupID, provider: key.provider, day: day, calls: 0, refused: 0)
            row.calls += value.calls
            row.refused += value.refused
            rows["\(day) \(key.provider)"] = row
        }
        return rows.values.sorted { ($0.day, $0.provider) < ($1.day, $1.provider) }
    }
}
