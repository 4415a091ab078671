/// A simple SMA band strategy used by clients as a smoke test: buy when the close is above
/// SMA(period) × (1 + threshold) while flat; sell the whole position when the close is below
/// SMA(period) × (1 − threshold).
public struct TestStrategy: Strategy {
    public static let name = "TestStrategy"
    public static let summary = "Buys a close above SMA × (1 + threshold), sells a close below SMA × (1 − threshold)."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("period", default: 20, min: 1, max: 10_000, "SMA period (bars)."),
        .float("threshold", default: 0.02, min: 0, max: 1, "Band half-width around the SMA, as a fraction."),
        CommonParameters.stake,
    ]

    var averages: [SimpleMovingAverage]
    let threshold: Double
    let stake: Double

    public init(parameters: StrategyParameters, symbolCount: Int) {
        averages = Array(repeating: SimpleMovingAverage(period: parameters.int("period")), count: symbolCount)
        threshold = parameters.double("threshold")
        stake = parameters.double("stake")
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        averages[symbol].update(bar.close)
        guard averages[symbol].isReady else { return }
        let average = averages[symbol].value
        let held = context.positionSize(symbol)
        if held == 0, bar.close > average * (1 + threshold) {
            context.buy(symbol: symbol, stake: stake)
        } else if held > 0, bar.close < average * (1 - threshold) {
            context.closePosition(symbol: symbol)
        }
    }
}
