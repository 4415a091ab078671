/// One execution of (part of) an order.
public struct Fill: Sendable, Hashable {
    public let orderId: Int
    public let symbol: Int
    public let side: Side
    public let quantity: Double
    /// Price after slippage (and after the limit clamp for limit orders).
    public let price: Double
    public let fee: Double
    /// True when the maker rate applied (resting limit fills).
    public let isMaker: Bool
    /// Open time of the bar the fill happened on, ms since epoch.
    public let timestamp: Int64

    public init(orderId: Int, symbol: Int, side: Side, quantity: Double, price: Double, fee: Double, isMaker: Bool, timestamp: Int64) {
        self.orderId = orderId
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.isMaker = isMaker
        self.timestamp = timestamp
    }

    public var notional: Double { quantity * price }
}
