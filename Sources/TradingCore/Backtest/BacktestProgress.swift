/// Where a running backtest stands, reported every `BacktestEngine.checkInterval` bars so a caller
/// can show cash, value and trades while the run is still going.
public struct BacktestProgress: Sendable, Hashable {
    /// Bars processed so far (all symbols together).
    public let barsProcessed: Int
    public let totalBars: Int
    /// Cash after the last processed bar.
    public let cash: Double
    /// Cash plus open positions marked at the last close.
    public let value: Double
    /// Round trips closed so far.
    public let closedTrades: Int

    public init(barsProcessed: Int, totalBars: Int, cash: Double, value: Double, closedTrades: Int) {
        self.barsProcessed = barsProcessed
        self.totalBars = totalBars
        self.cash = cash
        self.value = value
        self.closedTrades = closedTrades
    }
}
