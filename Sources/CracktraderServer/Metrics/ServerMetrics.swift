import CoreMetrics
import Metrics
import Prometheus

/// The server's Prometheus metrics, through swift-metrics with an explicit factory.
///
/// Every application has its own `PrometheusCollectorRegistry`: nothing is bootstrapped globally
/// (`MetricsSystem.bootstrap` may run once per process, and tests build many applications), and
/// `GET /metrics` shows exactly this server's numbers.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let webSocketClients: CoreMetrics.Gauge
    private let barsPerSecond: CoreMetrics.Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.registry = registry
        self.factory = factory
        webSocketClients = CoreMetrics.Gauge(label: "cracktrader_websocket_clients", factory: factory)
        barsPerSecond = CoreMetrics.Gauge(label: "cracktrader_backtest_bars_per_second", factory: factory)
    }

    /// One HTTP request: counted and timed by method, route pattern and status code.
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        CoreMetrics.Counter(label: "cracktrader_http_requests_total", dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: "cracktrader_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    func runStarted(mode: String) {
        CoreMetrics.Counter(label: "cracktrader_runs_started_total", dimensions: [("mode", mode)], factory: factory).increment()
    }

    /// A run ended: `completed`, `stopped` or `failed`.
    func runFinished(outcome: String) {
        CoreMetrics.Counter(label: "cracktrader_runs_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    func recordBarsPerSecond(_ value: Double) {
        barsPerSecond.record(value)
    }

    func setWebSocketClients(_ count: Int) {
        webSocketClients.record(count)
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
