/// Donchian channel breakout. The channel is computed over the `lookback` bars **before** the
/// current one: buy when the close is above the previous bar's upper channel (while flat), sell the
/// whole position when the close is below the previous bar's lower channel.
public struct Breakout: Strategy {
    public static let name = "Breakout"
    public static let summary = "Buys a close above the prior Donchian high, sells a close below the prior Donchian low."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("lookback", default: 20, min: 1, max: 10_000, "Donchian channel length (bars), excluding the current bar."),
        CommonParameters.stake,
    ]

    var channels: [DonchianChannel]
    let stake: Double

    public init(parameters: StrategyParameters, symbolCount: Int) {
        channels = Array(repeating: DonchianChannel(period: parameters.int("lookback")), count: symbolCount)
        stake = parameters.double("stake")
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        if channels[symbol].isReady {
            let upper = channels[symbol].upper, lower = channels[symbol].lower
            let held = context.positionSize(symbol)
            if held == 0, bar.close > upper {
                context.buy(symbol: symbol, stake: stake)
            } else if held > 0, bar.close < lower {
                context.closePosition(symbol: symbol)
            }
        }
        channels[symbol].update(high: bar.high, low: bar.low)
    }
}
