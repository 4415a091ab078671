/// Cash plus one `Position` per symbol of the run. Cash changes only when an order fills.
public struct Account: Sendable, Hashable {
    public internal(set) var cash: Double
    /// Indexed by symbol index.
    public internal(set) var positions: [Position]
    /// Sum of every fee paid so far.
    public internal(set) var totalFees: Double = 0

    public init(cash: Double, symbolCount: Int) {
        self.cash = cash
        self.positions = (0..<symbolCount).map { Position(symbol: $0) }
    }

    /// Cash plus every position at its last price.
    public var value: Double {
        var total = cash
        for position in positions where position.quantity != 0 {
            total += position.quantity * position.lastPrice
        }
        return total
    }
}
