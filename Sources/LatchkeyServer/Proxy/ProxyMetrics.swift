import LatchkeyCore
import Metrics
import Synchronization

/// Proxy counters and latencies. Labels are bounded: provider ids outside the catalog count as "unknown", outcomes
/// are status codes and error codes. The metric objects are made once per label set, not on every call.
struct ProxyMetrics: Sendable {
    private let handles = Handles()

    func record(provider: String, outcome: String, since start: ContinuousClock.Instant, catalog: Catalog) {
        let label = catalog.provider(provider) == nil ? "unknown" : provider
        handles.counter(provider: label, outcome: outcome).increment()
        handles.timer("latchkey_proxy_duration_seconds", provider: label).recordInterval(since: start)
    }

    func recordUpstream(provider: String, since start: ContinuousClock.Instant) {
        handles.timer("latchkey_upstream_duration_seconds", provider: provider).recordInterval(since: start)
    }

    private final class Handles: Sendable {
        private let counters = Mutex<[String: Counter]>([:])
        private let timers = Mutex<[String: Timer]>([:])

        func counter(provider: String, outcome: String) -> Counter {
            counters.withLock { counters in
                let key = provider + " " + outcome
                if let existing = counters[key] { return existing }
                let created = Counter(label: "latchkey_proxy_requests_total", dimensions: [("provider", provider), ("outcome", outcome)])
                counters[key] = created
                return created
            }
        }

        func timer(_ label: String, provider: String) -> Timer {
            timers.withLock { timers in
                let key = label + " " + provider
                if let existing = timers[key] { return existing }
                let created = Timer(label: label, dimensions: [("provider", provider)])
                timers[key] = created
                return created
            }
        }
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
