/// What a strategy sees and can do: the clock, cash, positions, and order submission.
public struct StrategyContext: Sendable {
    public internal(set) var broker: SimulatedBroker
    /// The run's symbols; a strategy refers to them by index.
    public let symbols: [TradingSymbol]
    public let timeframe: Timeframe

    public init(broker: SimulatedBroker, symbols: [TradingSymbol], timeframe: Timeframe) {
        self.broker = broker
        self.symbols = symbols
        self.timeframe = timeframe
    }

    /// The backtest clock (the current bar's open time).
    public var clock: SimulatedClock { broker.clock }
    /// Index of the bar being processed.
    public var barIndex: Int { broker.currentBar }
    public var cash: Double { broker.account.cash }
    /// Cash plus positions at their latest close.
    public var portfolioValue: Double { broker.account.value }

    /// Quantity held of `symbol`.
    @inline(__always)
    public func positionSize(_ symbol: Int = 0) -> Double {
        broker.account.positions[symbol].quantity
    }

    public func position(_ symbol: Int = 0) -> Position {
        broker.account.positions[symbol]
    }

    public var hasWorkingOrders: Bool { broker.hasWorkingOrders }

    public func order(id: Int) -> Order? { broker.order(id: id) }

    @discardableResult
    public mutating func submit(_ request: OrderRequest) -> Int {
        broker.submit(request)
    }

    /// A market buy spending `stake` (a fraction of the cash available at fill time, fees included).
    @discardableResult
    public mutating func buy(symbol: Int = 0, stake: Double, bracket: OrderRequest.Bracket? = nil) -> Int {
        broker.submit(OrderRequest(symbol: symbol, side: .buy, sizing: .cashFraction(stake), bracket: bracket))
    }

    /// A market sell of the whole position held at fill time.
    @discardableResult
    public mutating func closePosition(symbol: Int = 0) -> Int {
        broker.submit(OrderRequest(symbol: symbol, side: .sell, sizing: .entirePosition))
    }

    @discardableResult
    public mutating func cancel(orderId: Int) -> Bool {
        broker.cancel(id: orderId)
    }
}
