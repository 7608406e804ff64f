import Synchronization

/// At most `limit` of something under way at once; the rest wait their turn, first come first served. (`InFlightLimit`
/// is the one that says no instead of waiting.)
///
/// A refresh pass uses it for its token requests: the pass keeps more refreshes going than it lets talk to providers,
/// so one refresh's database writes overlap the next one's token request, and the providers still see at most
/// `limit` requests at a time.
public final class WaitingLimit: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        /// Where the next waiter to wake is in `waiting` (the served ones are cut off in bulk, not one by one).
        var head = 0
    }

    private let state: Mutex<State>
    /// The most under way at once.
    public let limit: Int

    /// A limit of `limit` (at least 1).
    public init(_ limit: Int) {
        self.limit = max(1, limit)
        state = Mutex(State(free: self.limit))
    }

    /// Whether every place is taken (for tests).
    public var isFull: Bool { state.withLock { $0.free == 0 } }
    /// How many wait for a place (for tests).
    public var waiting: Int { state.withLock { $0.waiting.count - $0.head } }

    /// Runs `body` once a place is free, and frees it again however `body` ends. A waiting task that is cancelled
    /// still waits for its turn; `body` then sees the cancellation.
    public func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await take()
        defer { give() }
        return try await body()
    }

    private func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the place to the longest waiter, or frees it.
    private func give() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiting.count else {
                state.free += 1
                return nil
            }
            let next = state.waiting[state.head]
            state.head += 1
            if state.head == state.waiting.count || state.head >= 64 {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume()
    }
}
