/// The result document of a run: exactly the fields of `GET /results`, plus a few extras
/// (`bars_processed`, `order_list_hash`). Encodes with snake_case keys; see `jsonData(pretty:)`.
public struct BacktestReport: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case completed
        case stopped
        case failed
    }

    public var runId: String
    public var config: BacktestConfiguration
    public var status: Status
    /// Open time of the first bar (ISO 8601 UTC, ms) — from the data, not the wall clock.
    public var startTime: String?
    /// Open time of the last processed bar.
    public var endTime: String?
    public var orders: [OrderRecord]
    public var trades: [TradeRecord]
    public var positions: [PositionRecord]
    public var equityCurve: [EquityPoint]
    public var performanceMetrics: PerformanceMetrics
    public var finalValue: Double
    public var error: String?
    public var barsProcessed: Int
    /// FNV-1a 64 (hex) of the canonical order list (`Order.canonicalText`).
    public var orderListHash: String

    enum CodingKeys: String, CodingKey {
        case runId = "run_id"
        case config, status, orders, trades, positions, error
        case startTime = "start_time"
        case endTime = "end_time"
        case equityCurve = "equity_curve"
        case performanceMetrics = "performance_metrics"
        case finalValue = "final_value"
        case barsProcessed = "bars_processed"
        case orderListHash = "order_list_hash"
    }

    public init(
        runId: String, config: BacktestConfiguration, status: Status, startTime: String?, endTime: String?,
        orders: [OrderRecord], trades: [TradeRecord], positions: [PositionRecord], equityCurve: [EquityPoint],
        performanceMetrics: PerformanceMetrics, finalValue: Double, error: String?, barsProcessed: Int, orderListHash: String
    ) {
        self.runId = runId
        self.config = config
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.orders = orders
        self.trades = trades
        self.positions = positions
        self.equityCurve = equityCurve
        self.performanceMetrics = performanceMetrics
        self.finalValue = finalValue
        self.error = error
        self.barsProcessed = barsProcessed
        self.orderListHash = orderListHash
    }

    /// Builds the document of a finished (or stopped) engine run.
    ///
    /// - Parameter equityCurveLimit: when set and the curve has more points, keeps that many points
    ///   chosen by LTTB (shape-preserving, first and last kept) — the same thinning as
    ///   `GET /api/v1/results`. Metrics always use all points.
    public init(runId: String, configuration: BacktestConfiguration, output: EngineOutput, equityCurveLimit: Int? = nil) {
        self.init(output: output, configuration: configuration, equityCurveLimit: equityCurveLimit) { runId }
    }

    /// As `init(runId:configuration:output:equityCurveLimit:)`, with the id asked for last (it may
    /// still be computing on another core while the rest of the document is built).
    init(output: EngineOutput, configuration: BacktestConfiguration, equityCurveLimit: Int?, runId: () -> String) {
        let symbols = output.symbols
        let symbolNames = symbols.map(\.description)
        let curve = output.equity
        let initial = output.initialCash
        var points: [EquityPoint] = []
        var computedMetrics: PerformanceMetrics?
        var orders: [OrderRecord] = []
        var trades: [TradeRecord] = []
        var orderListHash = ""
        func everythingButOrderRecords() {
            let indices: [Int]
            if let limit = equityCurveLimit, limit > 0, curve.count > limit {
                indices = Downsampling.largestTriangleThreeBuckets(curve.values, threshold: limit)
            } else {
                indices = Array(0..<curve.count)
            }
            points = indices.map { i in
                EquityPoint(timestamp: ISO8601Timestamp.string(fromMilliseconds: curve.timestamp(at: i)),
                            value: curve.values[i], cash: curve.cash(at: i), pnl: curve.values[i] - initial)
            }
            computedMetrics = PerformanceMetrics(output: output)
            trades = output.trades.map { TradeRecord($0, symbolNames: symbolNames) }
            orderListHash = Order.listHash(output.orders)
        }
        // A long run's order records (two timestamps each) on one thread, the rest on another.
        func orderRecords() { orders = output.orders.map { OrderRecord($0, symbolNames: symbolNames) } }
        if output.orders.count >= Self.parallelOrderCount {
            WorkerThreads.run(count: 2) { part in part == 0 ? orderRecords() : everythingButOrderRecords() }
        } else {
            orderRecords()
            everythingButOrderRecords()
        }
        let metrics = computedMetrics!
        self.init(
            runId: runId(), config: configuration, status: output.wasStopped ? .stopped : .completed,
            startTime: curve.firstTimestamp.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
            endTime: curve.lastTimestamp.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
            orders: orders, trades: trades,
            positions: output.account.positions.filter { $0.quantity != 0 }.map { PositionRecord($0, symbols: symbols) },
            equityCurve: points, performanceMetrics: metrics, finalValue: finite(metrics.finalValue) ?? 0, error: nil,
            barsProcessed: output.barsProcessed, orderListHash: orderListHash)
    }

    /// The document of a run that failed before or while running.
    public static func failed(runId: String, configuration: BacktestConfiguration, error: TradingError) -> BacktestReport {
        BacktestReport(
            runId: runId, config: configuration, status: .failed, startTime: nil, endTime: nil, orders: [], trades: [],
            positions: [], equityCurve: [],
            performanceMetrics: PerformanceMetrics(finalValue: configuration.initialCash),
            finalValue: configuration.initialCash, error: error.message, barsProcessed: 0, orderListHash: Order.listHash([]))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(runId, forKey: .runId)
        try c.encode(config, forKey: .config)
        try c.encode(status, forKey: .status)
        try c.encode(startTime, forKey: .startTime)
        try c.encode(endTime, forKey: .endTime)
        try c.encode(orders, forKey: .orders)
        try c.encode(trades, forKey: .trades)
        try c.encode(positions, forKey: .positions)
        try c.encode(equityCurve, forKey: .equityCurve)
        try c.encode(performanceMetrics, forKey: .performanceMetrics)
        try c.encode(finite(finalValue) ?? 0, forKey: .finalValue)
        try c.encode(error, forKey: .error)
        try c.encode(barsProcessed, forKey: .barsProcessed)
        try c.encode(orderListHash, forKey: .orderListHash)
    }
}
