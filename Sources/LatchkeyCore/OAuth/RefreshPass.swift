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

    /// Refreshes every credential due within `within` (nil: each provider's own window), `concurrency` at a time;
    /// `progress` hears how many of the due credentials are done after each one.
    public func run(within: TimeInterval?, concurrency: Int, progress: ProgressReport? = nil) async throws -> Report {
        let now = clock.now
        var unknown: [String: Int] = [:]
        let due: [(String, Provider)] = try await store.refreshCandidates().compactMap { candidate in
            guard let provider = catalog.provider(candidate.provider), let settings = provider.oauth else {
                // A credential whose provider this process does not know cannot be refreshed here: say so, loudly.
                unknown[candidate.provider, default: 0] += 1
                return nil
            }
            guard refresher.policy.isDue(candidate, settings: settings, now: now, within: within) else { return nil }
            return (candidate.id, provider)
        }
        var report = Report()
        report.due = due.count
        for (provider, count) in unknown.sorted(by: { $0.key < $1.key }) {
            refresher.logger.error("Credentials of a provider missing from this catalog were not refreshed; give this command the same --providers as serve",
                                   metadata: ["provider": "\(provider)", "credentials": "\(count)"])
            report.due += count
            report.failed += count
        }
        progress?(WorkProgress(what: "credentials", done: 0, total: due.count))
        try await withThrowingTaskGroup(of: RefreshOutcome.self) { group in
            var next = due.makeIterator()
            var finished = 0
            for _ in 0..<max(1, concurrency) {
                guard let (id, provider) = next.next() else { break }
                group.addTask { try await refresher.refreshIfDue(credentialID: id, provider: provider, within: within, maxWait: Self.waitForOthers) }
            }
            while let outcome = try await group.next() {
                report.add(outcome)
                finished += 1
                progress?(WorkProgress(what: "credentials", done: finished, total: due.count))
                if let (id, provider) = next.next() {
                    group.addTask { try await refresher.refreshIfDue(credentialID: id, provider: provider, within: within, maxWait: Self.waitForOthers) }
                }
            }
        }
        return report
    }
}
