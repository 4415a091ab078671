/// How an order is priced. See `docs/engine.md` for the exact trigger and fill rules.
public enum OrderType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Fills at the next bar's open (or the current bar's close with `fill_at: close`).
    case market
    /// Fills at the limit price or better once the bar trades through it.
    case limit
    /// Becomes a market order once the bar trades through the stop price.
    case stop
    /// Becomes a limit order once the bar trades through the stop price.
    case stopLimit = "stop_limit"
}
