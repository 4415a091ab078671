/// MACD trend following: buy when the MACD line crosses above its signal line (while flat), sell
/// the whole position when it crosses below. Crosses use `CrossOver` (exact ties ignored).
public struct MACDTrend: Strategy {
    public static let name = "MACDTrend"
    public static let summary = "Buys when MACD crosses above its signal line, sells when it crosses below."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("fast_period", default: 12, min: 1, max: 10_000, "Fast EMA period; must be below slow_period."),
        .int("slow_period", default: 26, min: 2, max: 10_000, "Slow EMA period."),
        .int("signal_period", default: 9, min: 1, max: 10_000, "Signal EMA period."),
        CommonParameters.stake,
    ]

    public static func crossCheck(_ parameters: StrategyParameters) -> [String] {
        let fast = parameters.int("fast_period"), slow = parameters.int("slow_period")
        return fast < slow ? [] : ["fast_period (\(fast)) must be less than slow_period (\(slow))"]
    }

    struct SymbolState {
        var macd: MovingAverageConvergenceDivergence
        var cross = CrossOver()
    }

    var states: [SymbolState]
    let stake: Double

    public init(parameters: StrategyParameters, symbolCount: Int) {
        let macd = MovingAverageConvergenceDivergence(
            fastPeriod: parameters.int("fast_period"), slowPeriod: parameters.int("slow_period"), signalPeriod: parameters.int("signal_period"))
        states = Array(repeating: SymbolState(macd: macd), count: symbolCount)
        stake = parameters.double("stake")
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        states[symbol].macd.update(bar.close)
        guard states[symbol].macd.isReady else { return }
        states[symbol].cross.update(fast: states[symbol].macd.macd, slow: states[symbol].macd.signal)
        let held = context.positionSize(symbol)
        if states[symbol].cross.crossedUp, held == 0 {
            context.buy(symbol: symbol, stake: stake)
        } else if states[symbol].cross.crossedDown, held > 0 {
            context.closePosition(symbol: symbol)
        }
    }
}
