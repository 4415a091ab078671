import TradingCore

/// The risk guards of `POST /run/live` (top-level fields, quote currency), checked before an order
/// leaves the process. Each is a positive number or absent.
struct RiskLimits: Sendable, Hashable {
    /// The largest notional (quantity × price) of one order.
    var maxOrderNotional: Double?
    /// The largest notional of the position in one symbol after a buy fills.
    var maxPositionNotional: Double?
    /// Loss since the start of the UTC day at which the run stops (sandbox and live, once venue
    /// adapters exist; paper runs validate and echo it only).
    var maxDailyLoss: Double?

    static let fields = ["max_order_notional", "max_position_notional", "max_daily_loss"]

    var isEmpty: Bool { maxOrderNotional == nil && maxPositionNotional == nil && maxDailyLoss == nil }

    /// What the simulated broker enforces at submission in paper runs; nil without either limit.
    var orderRiskLimits: OrderRiskLimits? {
        guard maxOrderNotional != nil || maxPositionNotional != nil else { return nil }
        return OrderRiskLimits(maxOrderNotional: maxOrderNotional, maxPositionNotional: maxPositionNotional)
    }
}
