import LatchkeyCore
import Metrics

/// Proxy counters and latencies. Labels are bounded: provider ids outside the catalog count as "unknown".
struct ProxyMetrics: Sendable {
    func record(provider: String, outcome: String, since start: ContinuousClock.Instant, catalog: Catalog) {
        let label = catalog.provider(provider) == nil ? "unknown" : provider
        Counter(label: "latchkey_proxy_requests_total", dimensions: [("provider", label), ("outcome", outcome)]).increment()
        Timer(label: "latchkey_proxy_duration_seconds", dimensions: [("provider", label)]).recordInterval(since: start)
    }

    func recordUpstream(provider: String, since start: ContinuousClock.Instant) {
        Timer(label: "latchkey_upstream_duration_seconds", dimensions: [("provider", provider)]).recordInterval(since: start)
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
