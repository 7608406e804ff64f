import Foundation

/// One bounded, concurrent pass over the credentials that are due: what `serve` runs in the background and
/// `latchkey refresh` runs from cron. Safe beside servers and other passes: every refresh goes through the lease.
public struct RefreshPass: Sendable {
    let store: any Store
    let catalog: Catalog
    let refresher: Refresher
    let clock: any WallClock

    /// How long a pass waits for another process's refresh of the same credential before counting it as skipped.
    public static let waitForOthers: TimeInterval = 5

    /// Creates a pass.
    public init(store: any Store, catalog: Catalog, refresher: Refresher, clock: any WallClock) {
        self.store = store
        self.catalog = catalog
        self.refresher = refresher
        self.clock = clock
    }

    /// What a pass did; the JSON of `latchkey refresh --json`.
    public struct Report: Sendable, Equatable, Codable {
        public var due = 0
        public var refreshed = 0
        public var needsReauth = 0
        public var failed = 0
        public var skipped = 0

        enum CodingKeys: String, CodingKey {
            case due, refreshed, failed, skipped
            case needsReauth = "needs_reauth"
        }

        mutating func add(_ outcome: RefreshOutcome) {
            switch outcome {
            case .refreshed: refreshed += 1
            case .needsReauth: needsReauth += 1
            case .failed: failed += 1
            case .joined, .skipped: skipped += 1
            }
        }
    }

    /// Candidates read from the store at a time: a pass's memory stays flat however many credentials there are.
    public static let pageSize = 500

    /// Refreshes every credential due within `within` (nil: each provider's own window), with at most `concurrency`
    /// token requests under way; `progress` hears how many of the due credentials are done after each one.
    ///
    /// Twice as many refreshes run as may send a request: while `concurrency` wait for their providers, the others take
    /// their leases and write their tokens, so the database's one writer never holds a provider's slot idle.
    ///
    /// The candidates are read a page at a time, twice: first only to count the due ones (so progress can say of how
    /// many), then to refresh them, the next page read while the last refreshes of the one before are under way.
    public func run(within: TimeInterval?, concurrency: Int, progress: ProgressReport? = nil) async throws -> Report {
        let now = clock.now
        var expected = 0
        if progress != nil {
            var page = try await duePage(after: nil, now: now, within: within)
            while true {
                expected += page.due.count
                guard let next = page.next else { break }
                page = try await duePage(after: next, now: now, within: within)
            }
        }
        progress?(WorkProgress(what: "credentials", done: 0, total: expected))
        var report = Report()
        var unknown: [String: Int] = [:]
        let requests = WaitingLimit(concurrency)
        let refreshes = 2 * requests.limit
        try await withThrowingTaskGroup(of: RefreshOutcome.self) { group in
            var running = 0
            var finished = 0
            var page = try await duePage(after: nil, now: now, within: within)
            while true {
                report.due += page.due.count
                unknown.merge(page.unknown, uniquingKeysWith: +)
                for (id, provider) in page.due {
                    if running >= refreshes, let outcome = try await group.next() {
                        running -= 1
                        finished += 1
                        report.add(outcome)
                        progress?(WorkProgress(what: "credentials", done: finished, total: max(expected, report.due)))
                    }
                    group.addTask {
                        try await refresher.refreshIfDue(credentialID: id, provider: provider, within: within, maxWait: Self.waitForOthers, requests: requests)
                    }
                    running += 1
                }
                guard let next = page.next else { break }
                page = try await duePage(after: next, now: now, within: within)
            }
            while let outcome = try await group.next() {
                finished += 1
                report.add(outcome)
                progress?(WorkProgress(what: "credentials", done: finished, total: max(expected, report.due)))
            }
        }
        for (provider, count) in unknown.sorted(by: { $0.key < $1.key }) {
            // A credential whose provider this process does not know cannot be refreshed here: say so, loudly.
            refresher.logger.error("Credentials of a provider missing from this catalog were not refreshed; give this command the same --providers as serve",
                                   metadata: ["provider": "\(provider)", "credentials": "\(count)"])
            report.due += count
            report.failed += count
        }
        return report
    }

    /// One page of candidates: the due ones with their providers, how many have a provider this catalog lacks, and
    /// the cursor of the next page (nil after the last).
    private func duePage(after: String?, now: Date, within: TimeInterval?) async throws -> (due: [(String, Provider)], unknown: [String: Int], next: String?) {
        let candidates = try await store.refreshCandidates(after: after, limit: Self.pageSize)
        var due: [(String, Provider)] = []
        var unknown: [String: Int] = [:]
        for candidate in candidates {
            guard let provider = catalog.provider(candidate.provider), let settings = provider.oauth else {
                unknown[candidate.provider, default: 0] += 1
                continue
            }
            if refresher.policy.isDue(candidate, settings: settings, now: now, within: within) { due.append((candidate.id, provider)) }
        }
        return (due, unknown, candidates.count == Self.pageSize ? candidates.last?.id : nil)
    }
}
