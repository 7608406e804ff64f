import Metrics
import Synchronization

/// One provider's proxy metrics: call counts by outcome, call durations, and the provider's own response times.
final class ProviderMetrics: Sendable {
    /// From the agent's request to the end of the response (`latchkey_proxy_duration_seconds`).
    let duration: Timer
    /// From sending to the provider to its response head (`latchkey_upstream_duration_seconds`).
    let upstream: Timer
    private let label: String
    private let counters = Mutex<[String: Counter]>([:])

    init(label: String) {
        self.label = label
        duration = Timer(label: "latchkey_proxy_duration_seconds", dimensions: [("provider", label)])
        upstream = Timer(label: "latchkey_upstream_duration_seconds", dimensions: [("provider", label)])
    }

    /// Counts a finished call (`latchkey_proxy_requests_total`) and its duration.
    func record(outcome: String, since start: ContinuousClock.Instant) {
        counter(outcome).increment()
        duration.recordInterval(since: start)
    }

    private func counter(_ outcome: String) -> Counter {
        counters.withLock { counters in
            if let existing = counters[outcome] { return existing }
            let created = Counter(label: "latchkey_proxy_requests_total", dimensions: [("provider", label), ("outcome", outcome)])
            counters[outcome] = created
            return created
        }
    }
}
