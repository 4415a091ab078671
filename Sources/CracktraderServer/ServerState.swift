import Synchronization

/// Process-wide facts the routes read: when the server started, the port actually bound (known
/// only once listening when the configuration asked for port 0) and request counters.
public final class ServerState: Sendable {
    /// Monotonic start instant; uptime never jumps with the wall clock.
    public let startedAt: ContinuousClock.Instant
    private let boundPortStorage: Atomic<Int>
    private let requestCount = Atomic<Int>(0)
    /// Prometheus metrics of this server (`GET /metrics`).
    let metrics = ServerMetrics()

    init(configuredPort: Int) {
        self.startedAt = .now
        self.boundPortStorage = Atomic(configuredPort)
    }

    /// The listening port (the configured one until the socket is bound).
    public var boundPort: Int { boundPortStorage.load(ordering: .relaxed) }

    func setBoundPort(_ port: Int) { boundPortStorage.store(port, ordering: .relaxed) }

    public var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    public var requestsTotal: Int { requestCount.load(ordering: .relaxed) }

    func countRequest() { requestCount.add(1, ordering: .relaxed) }
}
