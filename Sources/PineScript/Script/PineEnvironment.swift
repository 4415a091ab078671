import TradingCore

/// What a script is told about the symbol and chart it runs on (`syminfo.*`, `timeframe.*`).
public struct PineEnvironment: Sendable {
    /// `syminfo.ticker`, e.g. `BTCUSDT`.
    public var ticker: String
    /// `syminfo.mintick`: the price step. Limit and stop prices round to it; slippage counts in it.
    public var minTick: Double
    /// `syminfo.mincontract`: the quantity step; computed order sizes round down to it.
    public var quantityStep: Double
    /// The chart timeframe, for `timeframe.*` and `time_close`.
    public var timeframe: Timeframe?
    /// `syminfo.currency` / `syminfo.basecurrency`.
    public var currency: String
    public var baseCurrency: String

    public init(ticker: String = "SYMBOL", minTick: Double = 0.01, quantityStep: Double = 0.000_001,
                timeframe: Timeframe? = nil, currency: String = "USD", baseCurrency: String = "") {
        self.ticker = ticker
        self.minTick = minTick
        self.quantityStep = quantityStep
        self.timeframe = timeframe
        self.currency = currency
        self.baseCurrency = baseCurrency
    }
}

/// The script's `strategy()` or `indicator()` declaration.
public struct PineDeclaration: Sendable {
    public enum Kind: String, Sendable { case strategy, indicator, library }

    public var kind: Kind = .indicator
    public var title = ""
    public var shortTitle: String?
    public var overlay = false
    public var maxBarsBack = 5_000
    /// The strategy's properties (TradingView's defaults when the script does not set them).
    public var properties = TradingViewStrategyProperties()
}

/// One `input.*()` of a script: becomes a parameter users can set (`--input NAME=VALUE`).
public struct PineInputSpec: Sendable, Hashable {
    public enum Kind: String, Sendable { case int, float, bool, string, source, color, timeframe, session, symbol, price, time }

    /// The variable the input is assigned to, when it is (`length = input.int(14, "Length")`).
    public var variable: String?
    public var title: String
    public var kind: Kind
    /// The default as text (`14`, `1.5`, `true`, `close`, `Both`).
    public var defaultValue: String
    /// The value used for this run, after `--input` overrides.
    public var value: String
    public var minimum: Double?
    public var maximum: Double?
    public var step: Double?
    public var options: [String]
    public var line: Int
}

/// The values of one `plot()` call, one per bar (`nan` where the plot was `na`).
public struct PinePlot: Sendable {
    public var title: String
    public var values: [Double]
}

/// Records a plot's value each bar.
final class PlotRecorder {
    let title: String
    var values: [Double] = []

    init(title: String) {
        self.title = title
    }
}
