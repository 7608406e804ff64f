import Foundation
import Synchronization

/// Admits calls against their group's budget without a database round trip per call.
///
/// Each server leases blocks of a window's calls from the database (`BudgetStore.leaseQuota`, atomic across
/// servers) and hands them out from memory. The database never grants more than the limit, so a budget of N calls
/// admits at most N in its window whichever servers take them. Leased calls a server does not use before the window
/// ends are lost, so across S servers a window may admit fewer: at most S − 1 blocks short of N when the calls stop
/// coming to the servers holding them (a block is 1% of the limit, at least 1 and at most 1,000 calls; a server
/// that is short leases as many as it has callers waiting). One server alone admits exactly N.
///
/// `max_concurrent` is counted per server, in memory: a cap on calls in flight at once on each server.
public final class BudgetGate: Sendable {
    /// One limit's window on this server.
    struct Key: Hashable {
        let group: String
        let scope: String
        let per: BudgetPeriod
        let calls: Int
    }

    struct Pool {
        var windowStart: Date
        var windowEnd: Date
        /// Leased calls not yet handed out.
        var available = 0
        /// The database has no more calls for this window.
        var exhausted = false
        /// Callers waiting for a lease.
        var waiting = 0
        var leasing: Task<Void, any Error>?
        /// Whether this window's exhaustion was reported.
        var reported = false
    }

    struct State {
        var pools: [Key: Pool] = [:]
        var inFlight: [String: Int] = [:]
    }

    /// What `tryAdmit` found.
    enum Attempt {
        case admitted(Admission?)
        case refused(LatchkeyError)
        case lease([Key])
    }

    let store: any BudgetStore
    let clock: any WallClock
    let links: SetupLinks
    /// Told once per window and server when a limit is spent (for the owner's warning and the audit log).
    let onExceeded: @Sendable (BudgetExceeded, AgentGroup) -> Void
    private let state = Mutex(State())

    public init(store: any BudgetStore, clock: any WallClock, links: SetupLinks, onExceeded: @escaping @Sendable (BudgetExceeded, AgentGroup) -> Void = { _, _ in }) {
        self.store = store
        self.clock = clock
        self.links = links
        self.onExceeded = onExceeded
    }

    /// The calls leased at once for a limit of `calls`.
    static func block(_ calls: Int) -> Int { max(1, min(1_000, calls / 100)) }

    /// Admits a call of `group` to `provider`, leasing calls from the database when this server has none left;
    /// nil when the group's budget limits nothing per call. Throws `budgetExceeded` when a limit is spent.
    public func admit(group: AgentGroup, provider: String) async throws -> Admission? {
        for _ in 0..<64 {
            switch tryAdmit(group: group, provider: provider) {
            case .admitted(let admission): return admission
            case .refused(let error): throw error
            case .lease(let keys):
                // One window at a time, deciding again after each: a spent limit found first leases nothing more.
                if let key = keys.first { try await lease(key) }
            }
        }
        throw LatchkeyError.budgetExceeded(message: "the budget could not admit this call; retry shortly", retryAfter: 1, setupURL: links.budget(groupID: group.id))
    }

    /// `admit` without suspending: nil when a lease from the database is needed first.
    public func admitNow(group: AgentGroup, provider: String) throws -> Admission?? {
        switch tryAdmit(group: group, provider: provider) {
        case .admitted(let admission): return .some(admission)
        case .refused(let error): throw error
        case .lease: return nil
        }
    }

    func tryAdmit(group: AgentGroup, provider: String) -> Attempt {
        guard let budget = group.budget, !budget.limits.isEmpty || budget.maxConcurrent != nil else { return .admitted(nil) }
        let now = clock.now
        var exceeded: BudgetExceeded?
        let attempt: Attempt = state.withLock { state in
            if let cap = budget.maxConcurrent, state.inFlight[group.id, default: 0] >= cap {
                return .refused(.budgetExceeded(message: "this group already has \(cap) calls in flight, its most at once", retryAfter: 1,
                                                setupURL: links.budget(groupID: group.id)))
            }
            var keys: [Key] = []
            var missing: [Key] = []
            var refusal: (limit: BudgetLimit, end: Date)?
            for limit in budget.limits where limit.applies(to: provider) {
                let key = Key(group: group.id, scope: limit.scope, per: limit.per, calls: limit.calls)
                let window = limit.per.window(containing: now)
                var pool = state.pools[key] ?? Pool(windowStart: window.start, windowEnd: window.end)
                if pool.windowStart != window.start { pool = Pool(windowStart: window.start, windowEnd: window.end) }
                if pool.available == 0 {
                    if pool.exhausted || limit.calls == 0 {
                        if refusal.map({ $0.end < window.end }) ?? true { refusal = (limit, window.end) }
                        if !pool.reported {
                            pool.reported = true
                            exceeded = BudgetExceeded(groupID: group.id, scope: limit.scope, per: limit.per, windowStart: window.start, at: now)
                        }
                    } else {
                        missing.append(key)
                    }
                }
                state.pools[key] = pool
                keys.append(key)
            }
            if let refusal {
                let seconds = max(1, Int(refusal.end.timeIntervalSince(now).rounded(.up)))
                let scope = refusal.limit.provider.map { "calls to \($0)" } ?? "calls"
                return .refused(.budgetExceeded(message: "this group's budget of \(refusal.limit.calls) \(scope) per \(refusal.limit.per.rawValue) is spent",
                                                retryAfter: seconds, setupURL: links.budget(groupID: group.id)))
            }
            if !missing.isEmpty { return .lease(missing) }
            for key in keys { state.pools[key]?.available -= 1 }
            guard budget.maxConcurrent != nil else { return .admitted(nil) }
            state.inFlight[group.id, default: 0] += 1
            return .admitted(Admission { [weak self] in self?.finished(groupID: group.id) })
        }
        if let exceeded { onExceeded(exceeded, group) }
        return attempt
    }

    private func finished(groupID: String) {
        state.withLock { state in
            let left = state.inFlight[groupID, default: 1] - 1
            state.inFlight[groupID] = left > 0 ? left : nil
        }
    }

    /// Leases calls for `key`'s current window, or waits for the lease another caller started.
    private func lease(_ key: Key) async throws {
        let task: Task<Void, any Error>? = state.withLock { state in
            guard var pool = state.pools[key] else { return nil }
            pool.waiting += 1
            defer { state.pools[key] = pool }
            if let running = pool.leasing { return running }
            let want = min(10_000, max(Self.block(key.calls), pool.waiting))
            let windowStart = pool.windowStart
            let task = Task { [store] in
                let granted: Int
                do {
                    granted = try await store.leaseQuota(groupID: key.group, scope: key.scope, per: key.per, windowStart: windowStart, limit: key.calls, want: want)
                } catch {
                    self.leased(key, windowStart: windowStart, granted: nil, want: want)
                    throw error
                }
                self.leased(key, windowStart: windowStart, granted: granted, want: want)
            }
            pool.leasing = task
            return task
        }
        defer { state.withLock { state in if let waiting = state.pools[key]?.waiting, waiting > 0 { state.pools[key]?.waiting = waiting - 1 } } }
        try await task?.value
    }

    /// Adds a lease's grant to the pool (nil: the lease failed, and the next caller tries again).
    private func leased(_ key: Key, windowStart: Date, granted: Int?, want: Int) {
        state.withLock { state in
            guard var pool = state.pools[key], pool.windowStart == windowStart else { return }
            pool.leasing = nil
            if let granted {
                pool.available += granted
                if granted < want { pool.exhausted = true }
            }
            state.pools[key] = pool
        }
    }

    /// Usage of each of the group's limits in its current window. `used` counts the calls leased from the database
    /// less those this server still holds unused; calls other servers hold unused count as used until their window
    /// ends (at most a block per server).
    public func usage(group: AgentGroup) async throws -> (limits: [LimitUsage], concurrent: Int) {
        let now = clock.now
        var result: [LimitUsage] = []
        for limit in group.budget?.limits ?? [] {
            let window = limit.per.window(containing: now)
            let leased = try await store.leasedQuota(groupID: group.id, scope: limit.scope, per: limit.per, windowStart: window.start)
            let held = state.withLock { state -> Int in
                guard let pool = state.pools[Key(group: group.id, scope: limit.scope, per: limit.per, calls: limit.calls)], pool.windowStart == window.start else { return 0 }
                return pool.available
            }
            result.append(LimitUsage(limit: limit, used: max(0, leased - held), resetsAt: window.end))
        }
        return (result, state.withLock { $0.inFlight[group.id, default: 0] })
    }

    /// Forgets windows that have ended (called now and then, so that many groups do not grow the table in memory).
    public func purge() {
        let now = clock.now
        state.withLock { state in state.pools = state.pools.filter { $0.value.windowEnd > now || $0.value.leasing != nil } }
    }
}
