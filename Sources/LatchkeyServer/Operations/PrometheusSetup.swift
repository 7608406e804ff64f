import Metrics
import Prometheus

/// The process's metrics registry. swift-metrics may be bootstrapped once per process; the first use does it.
public enum PrometheusSetup {
    /// The registry `/metrics` renders.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
