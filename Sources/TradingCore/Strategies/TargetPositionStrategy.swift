/// Trades each symbol toward a position its caller decides bar by bar: after each closed bar it
/// asks `target` for the wanted position (base units; nil = no opinion) and sends one market
/// order for the difference between that and the position plus what working orders will still
/// buy or sell. Orders smaller than `minimumQuantity` are not sent (the venue would refuse them).
///
/// This is how a Pine script trades on a venue (see docs/pine.md, "Sandbox and live runs"): the
/// script runs on TradingView's strategy model, and its position after each bar is the target.
/// It is not registered in ``StrategyRegistry``: only a runner that supplies `target` builds one.
public struct TargetPositionStrategy: Strategy {
    public static let name = "TargetPosition"
    public static let summary = "Trades toward a target position supplied by its runner (a Pine script on a venue)."
    public static let parameters: [ParameterSpec] = []
    public static var observesBrokerEvents: Bool { false }

    /// The wanted position of symbol `index` after `bar` closed, or nil to leave it as it is.
    public typealias Target = (_ bar: Bar, _ index: Int) -> Double?

    let target: Target
    let minimumQuantity: Double

    /// The registry's initialiser: a strategy with no target never trades.
    public init(parameters: StrategyParameters, symbolCount: Int) {
        self.init(minimumQuantity: 0) { _, _ in nil }
    }

    public init(minimumQuantity: Double, target: @escaping Target) {
        self.target = target
        self.minimumQuantity = minimumQuantity
    }

    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        guard let wanted = target(bar, symbol), wanted.isFinite else { return }
        let delta = wanted - Self.committedPosition(symbol: symbol, context: context)
        // Float noise from the script's own arithmetic is not an order.
        let noise = 1e-9 * max(1, abs(wanted))
        guard abs(delta) > noise, abs(delta) >= minimumQuantity else { return }
        context.submit(OrderRequest(symbol: symbol, side: delta > 0 ? .buy : .sell, sizing: .quantity(abs(delta))))
    }

    /// The position once every working order of `symbol` has filled: what the next order must
    /// not trade again while an earlier one is still on the venue.
    static func committedPosition(symbol: Int, context: StrategyContext) -> Double {
        var position = context.positionSize(symbol)
        for order in context.broker.workingOrders where order.symbol == symbol {
            let remaining = order.remainingQuantity ?? 0
            position += order.side == .buy ? remaining : -remaining
        }
        return position
    }
}
