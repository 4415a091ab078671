import TradingCore

/// What a sweep maximises. Every score is "higher is better": `max_drawdown` (a positive
/// fraction) enters negated. A weighted objective is `Σ wᵢ · sᵢ` over the named metrics' scores;
/// it is undefined (`nil`) when any of them is. Formulas of the metrics: `docs/metrics.md`.
public enum SweepObjective: Sendable, Hashable {
    case metric(String)
    case weighted([String: Double])

    /// Metric names an objective or weight may use.
    public static let metricNames = [
        "sharpe_ratio", "sortino_ratio", "calmar_ratio", "net_profit", "profit_factor", "max_drawdown",
        "total_return", "cagr", "win_rate", "expectancy",
    ]

    /// The score of one metric (nil when the metric is undefined for the run).
    public static func score(_ name: String, metrics: PerformanceMetrics, initialCash: Double) -> Double? {
        let value: Double?
        switch name {
        case "sharpe_ratio": value = metrics.sharpeRatio
        case "sortino_ratio": value = metrics.sortinoRatio
        case "calmar_ratio": value = metrics.calmarRatio
        case "net_profit": value = metrics.finalValue - initialCash
        case "profit_factor": value = metrics.profitFactor
        case "max_drawdown": value = -metrics.maxDrawdown
        case "total_return": value = metrics.totalReturn
        case "cagr": value = metrics.cagr
        case "win_rate": value = metrics.winRate
        case "expectancy": value = metrics.expectancy
        default: value = nil
        }
        guard let value, value.isFinite else { return nil }
        return value
    }

    /// The objective's score for a run, or nil when undefined.
    public func score(_ metrics: PerformanceMetrics, initialCash: Double) -> Double? {
        switch self {
        case .metric(let name):
            return Self.score(name, metrics: metrics, initialCash: initialCash)
        case .weighted(let weights):
            var total = 0.0
            // Sorted so the floating-point sum is the same on every machine.
            for name in weights.keys.sorted() {
                guard let value = Self.score(name, metrics: metrics, initialCash: initialCash) else { return nil }
                total += weights[name]! * value
            }
            return total.isFinite ? total : nil
        }
    }

    var json: JSONValue {
        switch self {
        case .metric(let name): .string(name)
        case .weighted(let weights): .object(["weights": .object(weights.mapValues { .double($0) })])
        }
    }
}
