import LatchkeyCore
import Metrics

/// Counts refreshes by provider and outcome: `latchkey_refreshes_total{provider,outcome}`.
struct RefreshMetrics: RefreshObserver {
    func refreshed(provider: String, outcome: RefreshOutcome) {
        Counter(label: "latchkey_refreshes_total", dimensions: [("provider", provider), ("outcome", outcome.rawValue)]).increment()
    }
}
