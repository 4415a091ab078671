/// A round trip in one symbol: from a flat position to a long one and back to flat.
///
/// Several buys before the exit average into `entryPrice`; several sells into `exitPrice`.
/// `pnl` is net of every fee paid by the round trip's fills.
public struct Trade: Sendable, Hashable {
    public let id: Int
    public let symbol: Int
    public internal(set) var entryTime: Int64
    public internal(set) var exitTime: Int64?
    /// Quantity-weighted average buy price.
    public internal(set) var entryPrice: Double
    /// Quantity-weighted average sell price (`nil` while nothing was sold).
    public internal(set) var exitPrice: Double?
    /// Total quantity bought.
    public internal(set) var quantity: Double
    /// Total quantity sold so far.
    public internal(set) var exitedQuantity: Double = 0
    /// Realised P&L net of fees for closed trades; for open trades the P&L marked at the last close.
    public internal(set) var pnl: Double = 0
    public internal(set) var fees: Double
    public internal(set) var isOpen: Bool = true
    /// Fill count (buys and sells).
    public internal(set) var fillCount: Int = 1

    /// `pnl` divided by the cost of the entry (quantity × entry price), or 0 for an empty entry.
    public var returnFraction: Double {
        let cost = quantity * entryPrice
        return cost > 0 ? pnl / cost : 0
    }
}
