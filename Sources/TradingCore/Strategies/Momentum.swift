/// Rate-of-change momentum: ROC = close / close `period` bars ago − 1. Buy when ROC > 0 (while
/// flat), sell the whole position when ROC < 0.
public struct Momentum: Strategy {
    public static let name = "Momentum"
    public static let summary = "Buys when the rate of change over `period` bars is positive, sells when it is negative."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("period", default: 10, min: 1, max: 10_000, "Rate-of-change lookback (bars)."),
        CommonParameters.stake,
    ]

    var windows: [RollingWindow]
    let stake: Double

    public init(parameters: StrategyParameters, symbolCount: Int) {
        windows = Array(repeating: RollingWindow(capacity: parameters.int("period")), count: symbolCount)
        stake = parameters.double("stake")
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        defer { windows[symbol].push(bar.close) }
        guard windows[symbol].isFull else { return }
        let rateOfChange = bar.close / windows[symbol].oldest - 1
        let held = context.positionSize(symbol)
        if held == 0, rateOfChange > 0 {
            context.buy(symbol: symbol, stake: stake)
        } else if held > 0, rateOfChange < 0 {
            context.closePosition(symbol: symbol)
        }
    }
}
