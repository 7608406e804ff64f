import LatchkeyCore
import Synchronization

/// Usage counts kept by a `MemoryStore`, whose writes wait until `release()`: a flush held between taking the counts
/// and its write landing, which a real store does not do on demand.
final class HeldUsageStore: UsageStore {
    private struct State {
        var held = true
        var waiting: [CheckedContinuation<Void, Never>] = []
        var writesStarted = 0
    }

    /// Where the counts are kept (its groups must exist for their counts to be kept).
    let base = MemoryStore()
    private let state = Mutex(State())

    /// Writes begun so far (held or not).
    var writesStarted: Int { state.withLock { $0.writesStarted } }

    /// Lets every held write, and every later one, through.
    func release() {
        let waiting = state.withLock { state in
            state.held = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func addUsage(_ usage: [DailyUsage]) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                state.writesStarted += 1
                if state.held { state.waiting.append(continuation) }
                return !state.held
            }
            if now { continuation.resume() }
        }
        try await base.addUsage(usage)
    }

    func dailyUsage(groupID: String, sinceDay: String) async throws -> [DailyUsage] {
        try await base.dailyUsage(groupID: groupID, sinceDay: sinceDay)
    }
}
