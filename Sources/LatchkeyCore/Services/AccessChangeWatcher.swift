/// Keeps a watched `AccessCache` true to the database: every poll interval it reads the access change log past what
/// it has seen (one indexed range read), forgets what each change names, and confirms the cache until shortly after
/// the next poll is due. So entries may live the cache's long lifetime while a change any server (or a CLI command)
/// commits is forgotten here within about one poll interval; if polls fail, the confirmation lapses and the cache
/// stops answering until a poll succeeds again.
///
/// Ids out of order: PostgreSQL draws an id when a change is written but makes it visible at commit, so a change with
/// a lower id can become visible after one with a higher id was read. Skipping it would keep a stale entry for the
/// whole lifetime. So an id missing below the highest one seen is a *gap*, and polls re-read from the lowest gap
/// (`id > lowestGap - 1`, skipping ids already applied) until it shows up or `gapWindow` has passed. A writer's
/// transaction is far shorter than that window (statements time out within seconds), so an id still missing after it
/// was rolled back (rollbacks and crashes leave holes in a sequence) rather than being late. SQLite commits one writer
/// at a time, in id order, and leaves no gaps.
///
/// Bounded: a poll reads at most `maxPages` pages; a server that falls further behind, or that did not poll for
/// `maxLag`, forgets everything and starts again from the log's end. Rows older than `retention` (far longer than
/// `maxLag` and `gapWindow`, so no server still needs them) are pruned by whichever server polls.
public actor AccessChangeWatcher {
    let store: any AccessChangeStore
    let cache: AccessCache
    /// How often the server polls; entries are confirmed for three of these from the start of a successful poll, so
    /// that a poll started late on a busy machine does not turn the cache off, while polls that fail or hang do.
    public nonisolated let interval: Duration
    let gapWindow: Duration
    let maxLag: Duration
    let retention: Duration
    let pageSize: Int
    let maxPages: Int

    /// The highest id applied; nil until the first poll.
    private var last: Int64?
    /// Ids below `last` not seen yet, with when they were first missed.
    private var gaps: [Int64: ContinuousClock.Instant] = [:]
    private var lastSuccess: ContinuousClock.Instant?
    /// The log's end at moments of the past, oldest first: what may be pruned once `retention` has passed.
    private var marks: [(at: ContinuousClock.Instant, id: Int64)] = []

    public init(store: any AccessChangeStore, cache: AccessCache, interval: Duration, gapWindow: Duration = .seconds(60),
                maxLag: Duration = .seconds(60), retention: Duration = .seconds(600), pageSize: Int = 1000, maxPages: Int = 20) {
        self.store = store
        self.cache = cache
        self.interval = interval
        self.gapWindow = gapWindow
        self.maxLag = maxLag
        self.retention = retention
        self.pageSize = pageSize
        self.maxPages = maxPages
    }

    /// One poll: reads what changed, forgets it, confirms the cache, prunes old rows now and then. Throws what the
    /// store throws (the cache then stays confirmed only until its earlier confirmation lapses).
    public func poll() async throws {
        let started = ContinuousClock.now
        guard let last, let lastSuccess, started - lastSuccess <= maxLag else {
            try await restart(at: started)
            return
        }
        var changes: [AccessChange] = []
        var highest = last
        var from = min((gaps.keys.min() ?? last + 1) - 1, last)
        var complete = false, overflow = false
        pages: for _ in 0..<maxPages {
            let page = try await store.accessChanges(after: from, limit: pageSize)
            for change in page {
                if change.id > highest {
                    if change.id > highest + 1 {
                        guard change.id - highest <= Int64(pageSize * maxPages) else {
                            overflow = true
                            break pages
                        }
                        for missing in (highest + 1)..<change.id { gaps[missing] = started }
                    }
                    highest = change.id
                    changes.append(change)
                } else if gaps.removeValue(forKey: change.id) != nil {
                    changes.append(change)
                }
            }
            guard page.count == pageSize, let end = page.last?.id else {
                complete = true
                break
            }
            from = end
        }
        guard complete, !overflow, gaps.count <= pageSize * maxPages else {
            try await restart(at: started)
            return
        }
        gaps = gaps.filter { started - $0.value < gapWindow }
        self.last = highest
        cache.invalidate(changes)
        confirm(at: started)
        try await pruneIfDue(at: started)
    }

    /// Starts over from the log's end: forgets everything, and treats ids missing from the last stretch of the log
    /// as gaps (a change drawn before the end but committed after this read must not be skipped).
    private func restart(at started: ContinuousClock.Instant) async throws {
        let latest = try await store.latestAccessChange()
        let window = Int64(pageSize)
        // Rows committed since `latest` was read are left for the next poll (ids above `last`).
        let recent = try await store.accessChanges(after: max(0, latest - window), limit: pageSize).filter { $0.id <= latest }
        gaps = [:]
        if let lowest = recent.first?.id {
            let seen = Set(recent.map(\.id))
            for id in lowest...latest where !seen.contains(id) { gaps[id] = started }
        }
        cache.invalidateAll()
        last = latest
        confirm(at: started)
    }

    private func confirm(at started: ContinuousClock.Instant) {
        lastSuccess = started
        cache.confirm(until: started + interval * 3)
    }

    /// Every tenth of the retention, notes the log's end; prunes through the newest note older than the retention.
    private func pruneIfDue(at now: ContinuousClock.Instant) async throws {
        guard let last else { return }
        if marks.last.map({ now - $0.at >= retention / 10 }) ?? true { marks.append((now, last)) }
        guard let index = marks.lastIndex(where: { now - $0.at >= retention }) else { return }
        let through = marks[index].id
        marks.removeFirst(index + 1)
        try await store.pruneAccessChanges(through: through)
    }
}
