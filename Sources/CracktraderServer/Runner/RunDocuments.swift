import TradingCore

/// `{"run_id", "status", "message"}`: the answer of the four run-control endpoints.
struct RunResponse: Encodable, Sendable {
    @ExplicitNull var run_id: String?
    let status: String
    let message: String
    /// `POST /run/stop` of a sandbox or live run: client order ids cancelled on the venue.
    var cancelled_orders: [String]?
    /// … and those that could not be, with why.
    var cancel_failures: [String: String]?

    init(run_id: String?, status: String, message: String) {
        self.run_id = run_id
        self.status = status
        self.message = message
    }
}

/// `GET /status` and the `status_update` payload.
struct StatusDocument: Encodable, Sendable {
    @ExplicitNull var run_id: String?
    var status: String
    @ExplicitNull var mode: String?
    @ExplicitNull var strategy_name: String?
    @ExplicitNull var symbols: [String]?
    @ExplicitNull var timeframe: String?
    @ExplicitNull var exchange: String?
    @ExplicitNull var start_time: String?
    @ExplicitNull var end_time: String?
    var runtime_seconds: Double
    @ExplicitNull var cash: Double?
    @ExplicitNull var value: Double?
    @ExplicitNull var pnl: Double?
    var trade_count: Int
    @ExplicitNull var error: String?
    /// 0–1 for backtests; null for paper runs without an end.
    @ExplicitNull var progress: Double?
    var bars_processed: Int
    @ExplicitNull var total_bars: Int?
    /// Interrupted sandbox/live runs whose open orders wait for a decision; absent when none.
    var interrupted_runs: [InterruptedRunSummary]? = nil
}

/// `GET /status/detailed`.
struct DetailedStatusDocument: Encodable, Sendable {
    let status: StatusDocument
    let recent_orders: [OrderRecord]
    let recent_trades: [TradeRecord]
    let positions: [PositionRecord]
    let equity_curve: [EquityPoint]
    @ExplicitNull var performance_metrics: PerformanceMetrics?
    let health: HealthRoutes.Health
    /// Sandbox and live runs: the venue's balances and the run's orders still working there.
    var balances: [BalanceRecord]?
    var open_orders: [OrderRecord]?

    enum CodingKeys: String, CodingKey {
        case recent_orders, recent_trades, positions, equity_curve, performance_metrics, health, balances, open_orders
    }

    /// Flattens `status` into the top level: everything of `/status` plus the detail fields.
    func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(recent_orders, forKey: .recent_orders)
        try container.encode(recent_trades, forKey: .recent_trades)
        try container.encode(positions, forKey: .positions)
        try container.encode(equity_curve, forKey: .equity_curve)
        try container.encode(_performance_metrics, forKey: .performance_metrics)
        try container.encode(health, forKey: .health)
        try container.encodeIfPresent(balances, forKey: .balances)
        try container.encodeIfPresent(open_orders, forKey: .open_orders)
    }
}

/// What the database keeps of a run's results besides orders, trades and the equity curve (those
/// have their own tables). Decoded back for `GET /runs/{id}` after a restart.
struct StoredRunSummary: Codable, Sendable {
    var run_id: String
    var mode: String
    var config: JSONValue
    var status: String
    var start_time: String?
    var end_time: String?
    var data_start: String?
    var data_end: String?
    var positions: [PositionRecord]
    var performance_metrics: PerformanceMetrics?
    var final_value: Double?
    var error: String?
    var bars_processed: Int
    var initial_cash: Double
}

/// `GET /results` and `GET /runs/{id}`: the contract's result fields, plus `mode`, `fills`,
/// `bars_processed`, `data_start`/`data_end` (first/last bar time) and `equity_points_total`.
struct ResultsDocument: Encodable, Sendable {
    let run_id: String
    let mode: String
    let config: JSONValue
    let status: String
    @ExplicitNull var start_time: String?
    @ExplicitNull var end_time: String?
    @ExplicitNull var data_start: String?
    @ExplicitNull var data_end: String?
    let orders: [OrderRecord]
    let trades: [TradeRecord]
    /// Paper runs: every fill, committed as it happened. Backtests: empty (they record none).
    let fills: [FillRecord]
    let positions: [PositionRecord]
    let equity_curve: [EquityPoint]
    let equity_points_total: Int
    @ExplicitNull var performance_metrics: PerformanceMetrics?
    @ExplicitNull var final_value: Double?
    @ExplicitNull var error: String?
    let bars_processed: Int
    /// Interrupted sandbox/live runs: what start-up learned from the venue (absent otherwise).
    var reconciliation: ReconciliationDocument?

    init(
        summary: StoredRunSummary, orders: [OrderRecord], trades: [TradeRecord], fills: [FillRecord], equity: EquitySeries,
        maxPoints: Int
    ) {
        run_id = summary.run_id
        mode = summary.mode
        config = summary.config
        status = summary.status
        start_time = summary.start_time
        end_time = summary.end_time
        data_start = summary.data_start
        data_end = summary.data_end
        self.orders = orders
        self.trades = trades
        self.fills = fills
        positions = summary.positions
        equity_curve = equity.points(maxPoints: maxPoints)
        equity_points_total = equity.count
        performance_metrics = summary.performance_metrics
        final_value = summary.final_value
        error = summary.error
        bars_processed = summary.bars_processed
    }
}

/// One entry of `GET /runs`.
struct RunListEntry: Encodable, Sendable {
    let run_id: String
    let mode: String
    let strategy_name: String
    let status: String
    let symbols: [String]
    @ExplicitNull var timeframe: String?
    @ExplicitNull var exchange: String?
    let created_at: String
    @ExplicitNull var start_time: String?
    @ExplicitNull var end_time: String?
    @ExplicitNull var error: String?
    @ExplicitNull var final_value: Double?
    let trade_count: Int
    @ExplicitNull var total_return: Double?
    @ExplicitNull var sharpe_ratio: Double?
    @ExplicitNull var max_drawdown: Double?
    @ExplicitNull var win_rate: Double?
    @ExplicitNull var total_trades: Int?
}

struct RunListDocument: Encodable, Sendable {
    let runs: [RunListEntry]
    let total: Int
    let limit: Int
    let offset: Int
}

func isoTime(_ milliseconds: Int64?) -> String? {
    milliseconds.map { ISO8601Timestamp.string(fromMilliseconds: $0) }
}
