/// What a strategy asks the broker to do. The broker turns it into an `Order`.
public struct OrderRequest: Sendable, Hashable {
    /// Index of the symbol in the run's symbol list (`StrategyContext.symbols`).
    public var symbol: Int
    public var side: Side
    public var type: OrderType
    public var sizing: OrderSizing
    public var limitPrice: Double?
    public var stopPrice: Double?
    public var timeInForce: TimeInForce
    public var clientOrderId: String?
    /// For a buy entry: attach a stop-loss and/or take-profit pair (OCO) once the entry fills.
    public var bracket: Bracket?

    public init(
        symbol: Int = 0, side: Side, type: OrderType = .market, sizing: OrderSizing,
        limitPrice: Double? = nil, stopPrice: Double? = nil, timeInForce: TimeInForce = .gtc,
        clientOrderId: String? = nil, bracket: Bracket? = nil
    ) {
        self.symbol = symbol
        self.side = side
        self.type = type
        self.sizing = sizing
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.timeInForce = timeInForce
        self.clientOrderId = clientOrderId
        self.bracket = bracket
    }

    /// Distances of the protective legs from the entry's average fill price, as fractions:
    /// stop-loss at `entry × (1 − stopLoss)` (a sell stop), take-profit at `entry × (1 + takeProfit)`
    /// (a sell limit). The two legs form an OCO group.
    public struct Bracket: Sendable, Hashable {
        public var stopLoss: Double?
        public var takeProfit: Double?

        public init(stopLoss: Double? = nil, takeProfit: Double? = nil) {
            self.stopLoss = stopLoss
            self.takeProfit = takeProfit
        }
    }
}
