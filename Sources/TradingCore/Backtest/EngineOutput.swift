/// The raw result of the engine loop, before metrics and the report (no timing inside).
public struct EngineOutput: Sendable {
    /// Symbols in engine order (ascending).
    public let symbols: [TradingSymbol]
    public let timeframe: Timeframe
    public let initialCash: Double
    public internal(set) var equity: EquityCurve
    /// The broker at the end: account, orders, fills, trades (open trades marked at the last close).
    public internal(set) var broker: SimulatedBroker
    /// Bars handed to the strategy (all symbols).
    public internal(set) var barsProcessed: Int
    /// Equity points at which some position was open.
    public internal(set) var stepsInMarket: Int
    /// True when `shouldStop` ended the run early.
    public internal(set) var wasStopped: Bool

    public var orders: [Order] { broker.orders }
    public var trades: [Trade] { broker.trades }
    public var account: Account { broker.account }
    public var finalValue: Double { equity.values.last ?? initialCash }
}
