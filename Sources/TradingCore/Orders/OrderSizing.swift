/// How much an order trades. Cash-based sizes are turned into a quantity at fill time, at the fill
/// price after slippage, so that `quantity × price × (1 + fee rate)` equals the cash to spend.
public enum OrderSizing: Sendable, Hashable {
    /// A fixed quantity of the base asset.
    case quantity(Double)
    /// Spend this fraction (0, 1] of the cash available when the order fills, fees included.
    case cashFraction(Double)
    /// Spend this amount of quote currency, fees included.
    case cashAmount(Double)
    /// Sell the whole position held when the order fills.
    case entirePosition
}
