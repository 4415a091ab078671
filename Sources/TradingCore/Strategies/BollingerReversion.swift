/// Bollinger band reversion: buy when the close is below the lower band (while flat); sell the
/// whole position when the close is above the exit band (`exit_band`: `middle` by default, or `upper`).
public struct BollingerReversion: Strategy {
    public static let name = "BollingerReversion"
    public static let summary = "Buys a close below the lower Bollinger band, sells a close above the middle (or upper) band."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("period", default: 20, min: 2, max: 10_000, "Band period (bars)."),
        .float("std_dev", default: 2.0, min: 0.1, max: 10, "Band width in standard deviations."),
        .choice("exit_band", default: "middle", allowed: ["middle", "upper"], "Sell when the close rises above this band."),
        CommonParameters.stake,
    ]

    var bands: [BollingerBands]
    let stake: Double
    let exitAtUpper: Bool

    public init(parameters: StrategyParameters, symbolCount: Int) {
        bands = Array(repeating: BollingerBands(period: parameters.int("period"), standardDeviations: parameters.double("std_dev")), count: symbolCount)
        stake = parameters.double("stake")
        exitAtUpper = parameters.string("exit_band") == "upper"
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        bands[symbol].update(bar.close)
        guard bands[symbol].isReady else { return }
        let held = context.positionSize(symbol)
        if held == 0, bar.close < bands[symbol].lower {
            context.buy(symbol: symbol, stake: stake)
        } else if held > 0, bar.close > (exitAtUpper ? bands[symbol].upper : bands[symbol].middle) {
            context.closePosition(symbol: symbol)
        }
    }
}
