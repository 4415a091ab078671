/// A long spot holding in one symbol.
public struct Position: Sendable, Hashable {
    public let symbol: Int
    /// Base-asset quantity held (never negative: the engine is spot, long only).
    public internal(set) var quantity: Double = 0
    /// Quantity-weighted average buy price of the quantity held (fees excluded).
    public internal(set) var averageEntryPrice: Double = 0
    /// Close of the latest bar seen for this symbol.
    public internal(set) var lastPrice: Double = 0

    public init(symbol: Int) {
        self.symbol = symbol
    }

    public var marketValue: Double { quantity * lastPrice }
    public var unrealizedPnL: Double { quantity * (lastPrice - averageEntryPrice) }
    public var isOpen: Bool { quantity != 0 }
}
