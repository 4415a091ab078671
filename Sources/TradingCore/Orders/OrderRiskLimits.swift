/// Risk guards the simulated broker checks when an order is submitted, before it can work (paper
/// runs with `max_order_notional` / `max_position_notional`; backtests have none).
///
/// The notional is estimated at submission: quantity × (limit or stop price, else the symbol's
/// last close); a cash amount as is; a cash fraction × the cash now; an entire-position sell ×
/// the price. An order whose notional cannot be estimated yet (no price seen) is rejected: a
/// guard that cannot check must not let the order through.
public struct OrderRiskLimits: Sendable, Hashable {
    /// The largest notional of one order (buy or sell), quote currency.
    public var maxOrderNotional: Double?
    /// The largest notional a buy may bring the symbol's position to, quote currency.
    public var maxPositionNotional: Double?

    public init(maxOrderNotional: Double? = nil, maxPositionNotional: Double? = nil) {
        self.maxOrderNotional = maxOrderNotional
        self.maxPositionNotional = maxPositionNotional
    }
}
