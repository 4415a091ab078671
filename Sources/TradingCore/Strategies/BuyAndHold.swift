/// Buys on the first bar and never sells. With one symbol it spends `stake` of the cash; with N
/// symbols each symbol gets `stake × starting cash / N` (equal weights). Positions are valued at
/// the last close at the end.
public struct BuyAndHold: Strategy {
    public static let name = "BuyAndHold"
    public static let summary = "Buys on the first bar and holds to the end (equal weights across symbols)."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [CommonParameters.stake]

    var bought: [Bool]
    let stake: Double
    var budget = 0.0

    public init(parameters: StrategyParameters, symbolCount: Int) {
        bought = Array(repeating: false, count: symbolCount)
        stake = parameters.double("stake")
    }

    public mutating func start(context: inout StrategyContext) {
        budget = context.cash * stake / Double(max(bought.count, 1))
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        guard !bought[symbol] else { return }
        bought[symbol] = true
        if bought.count == 1 {
            context.buy(symbol: symbol, stake: stake)
        } else {
            context.submit(OrderRequest(symbol: symbol, side: .buy, sizing: .cashAmount(budget)))
        }
    }
}
