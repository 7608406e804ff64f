import LatchkeyCore
import Metrics
import Synchronization

/// Proxy counters and latencies. Labels are bounded: provider ids outside the catalog count as "unknown", outcomes
/// are status codes and error codes. The metric objects are made once per provider, not on every call.
struct ProxyMetrics: Sendable {
    private let providers = Providers()

    /// The metric objects of `provider`'s calls (those of "unknown" when it is not in `catalog`).
    func provider(_ provider: String, catalog: Catalog) -> ProviderMetrics {
        providers.metrics(provider, catalog: catalog)
    }

    func record(provider: String, outcome: String, since start: ContinuousClock.Instant, catalog: Catalog) {
        self.provider(provider, catalog: catalog).record(outcome: outcome, since: start)
    }

    func recordUpstream(provider: String, since start: ContinuousClock.Instant, catalog: Catalog) {
        self.provider(provider, catalog: catalog).upstream.recordInterval(since: start)
    }

    private final class Providers: Sendable {
        private let known = Mutex<[String: ProviderMetrics]>([:])
        private let unknown = ProviderMetrics(label: "unknown")

        func metrics(_ provider: String, catalog: Catalog) -> ProviderMetrics {
            known.withLock { known in
                if let existing = known[provider] { return existing }
                // Only catalog providers get their own entry, so that made-up ids cannot grow this map.
                guard catalog.provider(provider) != nil else { return unknown }
                let created = ProviderMetrics(label: provider)
                known[provider] = created
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
