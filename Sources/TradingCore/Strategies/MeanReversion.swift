/// Long-only RSI mean reversion. Buy when RSI < `oversold` and close < SMA while flat; sell the
/// whole position when RSI > `overbought`.
public struct MeanReversion: Strategy {
    public static let name = "MeanReversion"
    public static let summary = "Buys when RSI is oversold and the close is below its SMA; sells when RSI is overbought."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("rsi_period", default: 14, min: 2, max: 1_000, "RSI period (Wilder smoothing)."),
        .int("sma_period", default: 20, min: 1, max: 10_000, "SMA period of the trend filter."),
        .float("oversold", default: 30, min: 0, max: 100, "Buy below this RSI (with close < SMA)."),
        .float("overbought", default: 70, min: 0, max: 100, "Sell above this RSI."),
        CommonParameters.stake,
    ]

    public static func crossCheck(_ parameters: StrategyParameters) -> [String] {
        parameters.double("oversold") < parameters.double("overbought") ? [] : ["oversold must be less than overbought"]
    }

    struct SymbolState {
        var rsi: RelativeStrengthIndex
        var sma: SimpleMovingAverage
    }

    var states: [SymbolState]
    let stake: Double
    let oversold: Double
    let overbought: Double

    public init(parameters: StrategyParameters, symbolCount: Int) {
        states = Array(repeating: SymbolState(rsi: RelativeStrengthIndex(period: parameters.int("rsi_period")),
                                              sma: SimpleMovingAverage(period: parameters.int("sma_period"))), count: symbolCount)
        stake = parameters.double("stake")
        oversold = parameters.double("oversold")
        overbought = parameters.double("overbought")
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        states[symbol].rsi.update(bar.close)
        states[symbol].sma.update(bar.close)
        guard states[symbol].rsi.isReady, states[symbol].sma.isReady else { return }
        let rsi = states[symbol].rsi.value
        let held = context.positionSize(symbol)
        if held == 0, rsi < oversold, bar.close < states[symbol].sma.value {
            context.buy(symbol: symbol, stake: stake)
        } else if held > 0, rsi > overbought {
            context.closePosition(symbol: symbol)
        }
    }
}
