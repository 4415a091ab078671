import TradingCore

/// A sweep, parsed and validated: what to run, on which data, what to search and what to maximise.
/// Build one with `SweepConfig.parse(bytes:file:)` (JSON or YAML); every field is documented in
/// `docs/sweeps.md`.
public struct SweepConfig: Sendable, Hashable {
    /// Where bars come from: CSV files (one per symbol) or an exchange through the candle store
    /// (`sim` is generated offline), exactly as `cracktrader backtest` loads them.
    public enum DataSource: Sendable, Hashable {
        case csv([TradingSymbol: String])
        case exchange(String)
    }

    /// How parameter points are chosen.
    public enum SearchMethod: String, Sendable, Hashable, CaseIterable {
        case grid
        case random
        /// A scrambled Halton sequence (low-discrepancy), seeded.
        case halton
        /// Tree-structured Parzen estimator, in fixed-size batches.
        case tpe
    }

    public struct Search: Sendable, Hashable {
        public var method: SearchMethod
        /// Parameter points to evaluate (random, halton, tpe).
        public var samples: Int
        public var seed: UInt64
        /// TPE: points proposed per round, whatever the worker count.
        public var batchSize: Int
        /// TPE: random points before the model takes over.
        public var startup: Int
        /// TPE: candidates drawn per proposed point.
        public var candidates: Int
        /// TPE: the fraction of the history counted as "good".
        public var gamma: Double

        public init(method: SearchMethod, samples: Int = 0, seed: UInt64 = 0, batchSize: Int = 16, startup: Int = 16,
                    candidates: Int = 64, gamma: Double = 0.25) {
            self.method = method
            self.samples = samples
            self.seed = seed
            self.batchSize = batchSize
            self.startup = startup
            self.candidates = candidates
            self.gamma = gamma
        }
    }

    /// A length of time: a fixed duration, or a count of bars of the sweep's timeframe.
    public enum Span: Sendable, Hashable {
        case milliseconds(Int64)
        case bars(Int)

        public func milliseconds(timeframe: Timeframe) -> Int64 {
            switch self {
            case .milliseconds(let value): value
            case .bars(let count): Int64(count) * timeframe.milliseconds
            }
        }

        var json: JSONValue {
            switch self {
            case .milliseconds(let value): .string(Self.text(value))
            case .bars(let count): .int(count)
            }
        }

        /// `90d`, `12h`, `1w` … (the largest unit that divides exactly).
        static func text(_ ms: Int64) -> String {
            for (unit, size) in [("w", Int64(604_800_000)), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where ms % size == 0 {
                return "\(ms / size)\(unit)"
            }
            return "\(ms)ms"
        }
    }

    /// Walk-forward folds (see `WalkForwardPlanner` and docs/sweeps.md).
    public struct WalkForward: Sendable, Hashable {
        public enum Mode: String, Sendable, Hashable {
            case rolling
            case anchored
        }

        public var mode: Mode
        public var train: Span
        public var test: Span
        /// Distance between fold starts; defaults to `test`.
        public var step: Span
        /// The final stretch kept out of every fold, run once at the end.
        public var holdout: Span?
        /// Parameter points of each fold's in-sample ranking run out of sample.
        public var topK: Int

        public init(mode: Mode, train: Span, test: Span, step: Span? = nil, holdout: Span? = nil, topK: Int = 1) {
            self.mode = mode
            self.train = train
            self.test = test
            self.step = step ?? test
            self.holdout = holdout
            self.topK = topK
        }
    }

    /// The built-in strategy's name; for a script, its `strategy()` title.
    public var strategy: String
    /// The Pine strategy swept instead of a built-in (`"script"` in the config), or nil.
    public var script: SweepScript?
    public var symbols: [TradingSymbol]
    /// nil: inferred from the CSV's bar spacing (as `backtest` does); exchanges default to 1h.
    public var timeframe: Timeframe?
    public var data: DataSource
    /// The candle store for a non-`sim` exchange.
    public var dataDirectory: String
    /// First bar (ms, inclusive) and end of the range (ms, exclusive).
    public var start: Int64?
    public var end: Int64?
    public var initialCash: Double
    public var commission: Double
    public var slippageBps: Double
    public var fillAt: FillTiming
    /// Every parameter given, sorted by name (fixed ones have one value).
    public var parameters: [ParameterAxis]
    /// Constraint texts as written, and their parsed form.
    public var constraints: [String]
    public var constraintExpressions: [ConstraintExpression]
    public var search: Search
    public var objective: SweepObjective
    /// Cells with fewer closed trades are not ranked.
    public var minTrades: Int?
    /// Cells whose max drawdown exceeds this fraction are not ranked.
    public var maxDrawdown: Double?
    public var walkForward: WalkForward?
    /// How many cells `best` lists.
    public var top: Int

    /// Default for `--max-cells`.
    public static let defaultMaxCells = 100_000

    /// The backtest configuration of one cell.
    public func backtestConfiguration(parameters values: [String: ParameterValue], symbol: TradingSymbol, timeframe resolved: Timeframe) -> BacktestConfiguration {
        BacktestConfiguration(
            strategyName: strategy, parameters: values, symbols: [symbol], timeframe: resolved,
            initialCash: initialCash, commission: commission, slippageBps: slippageBps, fillAt: fillAt)
    }

    /// Checks one parameter point against every constraint.
    public func satisfiesConstraints(_ point: [String: ParameterValue]) -> Bool {
        guard !constraintExpressions.isEmpty else { return true }
        var numbers: [String: Double] = [:]
        for (name, value) in point { if let number = ParameterDomain.number(value) { numbers[name] = number } }
        return constraintExpressions.allSatisfy { $0.holds(numbers) }
    }
}
