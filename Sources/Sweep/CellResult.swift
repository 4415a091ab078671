#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// The outcome of one cell, as the canonical JSON object the results document lists, plus the
/// few fields ranking and the searches read from it. Built from that JSON alone, so a result
/// read back from a shard file is indistinguishable from one computed in this process.
public struct CellResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case ok
        /// A deterministic engine error (e.g. parameters the strategy rejects); never retried.
        case failed
    }

    public let json: JSONValue
    public let id: String
    public let parameters: [String: ParameterValue]
    public let symbol: String
    public let window: SweepWindow
    public let role: SweepCell.Role
    public let fold: Int?
    public let status: Status
    /// The objective's score; nil when failed or undefined.
    public let objective: Double?
    public let totalTrades: Int
    public let maxDrawdown: Double

    /// Reads a cell result object.
    public init(json: JSONValue) throws(SweepError) {
        guard let id = json["id"]?.stringValue, let parameters = json["parameters"]?.objectValue,
              let symbol = json["symbol"]?.stringValue, let window = SweepWindow(json: json["window"]),
              let roleText = json["role"]?.stringValue, let role = SweepCell.Role(rawValue: roleText),
              let statusText = json["status"]?.stringValue, let status = Status(rawValue: statusText) else {
            throw SweepError(kind: .permanent, code: "SWEEP_RESULT_INVALID", message: "a cell result is malformed: \(json.canonicalText.prefix(200))")
        }
        self.json = json
        self.id = id
        self.parameters = parameters.compactMapValues(SweepCell.parameterValue)
        self.symbol = symbol
        self.window = window
        self.role = role
        self.fold = json["fold"]?.intValue
        self.status = status
        self.objective = json["objective"]?.doubleValue
        self.totalTrades = json["performance_metrics"]?["total_trades"]?.intValue ?? 0
        self.maxDrawdown = json["performance_metrics"]?["max_drawdown"]?.doubleValue ?? 0
    }

    /// True when the cell counts for ranking: it ran, its objective is defined, and it passes
    /// `min_trades` and `max_drawdown`.
    public func isEligible(minTrades: Int?, maxDrawdown limit: Double?) -> Bool {
        guard status == .ok, objective != nil else { return false }
        if let minTrades, totalTrades < minTrades { return false }
        if let limit, maxDrawdown > limit { return false }
        return true
    }

    /// Equity points kept per out-of-sample or holdout cell (thinned with LTTB as `/results` does).
    public static let equityPoints = 500

    /// Runs one cell on its bars: the same engine entry point and metrics as `cracktrader
    /// backtest` (`BacktestEngine.run`, then `PerformanceMetrics(output:)`, which is what
    /// `runBacktest` puts in the report's `performance_metrics`).
    public static func run(_ cell: SweepCell, config: SweepConfig, timeframe: Timeframe, bars: [Bar]) -> CellResult {
        if let script = config.script { return runScript(cell, script: script, config: config, timeframe: timeframe, bars: bars) }
        var object = cell.planJSON.objectValue!
        let configuration = config.backtestConfiguration(parameters: cell.parameters, symbol: cell.symbol, timeframe: timeframe)
        do {
            let output = try BacktestEngine.run(configuration: configuration, bars: [cell.symbol: bars])
            let metrics = PerformanceMetrics(output: output)
            object["status"] = .string(Status.ok.rawValue)
            object["performance_metrics"] = metricsJSON(metrics)
            object["final_value"] = .number(metrics.finalValue.isFinite ? metrics.finalValue : 0)
            object["objective"] = .number(config.objective.score(metrics, initialCash: config.initialCash))
            if cell.role.keepsEquity { object["equity_curve"] = equityJSON(output.equity) }
        } catch {
            object["status"] = .string(Status.failed.rawValue)
            object["error"] = .object(["code": .string(error.code.rawValue), "message": .string(error.message)])
            object["objective"] = .null
        }
        // The object is well formed by construction.
        return try! CellResult(json: .object(object))
    }

    /// `performance_metrics` exactly as `/results` encodes it, in canonical form — the value that
    /// parsing `JSONEncoder`'s text of the metrics gives, built directly (no encoder per cell):
    /// non-finite or undefined as `null`; a double `JSONEncoder` prints without fraction or
    /// exponent (`2.0` → `2`, `-0.0` → `-0`) reads back as an integer.
    static func metricsJSON(_ metrics: PerformanceMetrics) -> JSONValue {
        func number(_ value: Double?) -> JSONValue {
            guard let value, value.isFinite else { return .null }
            let text = value.description
            if text.hasSuffix(".0"), !text.contains("e") { return .int(Int(value)) }
            return .double(value)
        }
        return .object([
            "total_return": number(metrics.totalReturn), "final_value": number(metrics.finalValue),
            "cagr": number(metrics.cagr), "sharpe_ratio": number(metrics.sharpeRatio),
            "sortino_ratio": number(metrics.sortinoRatio), "max_drawdown": number(metrics.maxDrawdown),
            "max_drawdown_duration": .int(metrics.maxDrawdownDuration), "calmar_ratio": number(metrics.calmarRatio),
            "total_trades": .int(metrics.totalTrades), "open_trades": .int(metrics.openTrades),
            "winning_trades": .int(metrics.winningTrades), "losing_trades": .int(metrics.losingTrades),
            "win_rate": number(metrics.winRate), "profit_factor": number(metrics.profitFactor),
            "avg_win": number(metrics.avgWin), "avg_loss": number(metrics.avgLoss),
            "expectancy": number(metrics.expectancy), "best_trade": number(metrics.bestTrade),
            "worst_trade": number(metrics.worstTrade), "exposure": number(metrics.exposure),
            "total_fees": number(metrics.totalFees),
        ])
    }

    /// The previous construction (encode, then parse), kept for the test that pins the two equal.
    static func metricsJSONThroughEncoder(_ metrics: PerformanceMetrics) -> JSONValue {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(metrics), let value = try? JSONValue.parse(Array(data)) else { return .null }
        return value
    }

    /// `[[open time ms, value], …]`, at most `equityPoints` points.
    static func equityJSON(_ curve: EquityCurve) -> JSONValue {
        let indices = curve.count > equityPoints
            ? Downsampling.largestTriangleThreeBuckets(curve.values, threshold: equityPoints)
            : Array(0..<curve.count)
        return .array(indices.map { .array([.int(Int(curve.timestamp(at: $0))), .number(curve.values[$0])]) })
    }
}
