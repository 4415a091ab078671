import TradingCore

/// Coinbase `user` channel orders → ``VenueOrder``s.
///
/// Coinbase reports cumulative figures (`cumulative_quantity`, `avg_price`, `total_fees`), and
/// every (re)subscribe starts with a snapshot of the open orders. The run turns the rise in an
/// order's filled quantity into a fill, so the parser makes sure a figure is delivered once and
/// never goes back:
///
/// - the filled quantity and fees only grow (a stale report cannot undo a fill);
/// - an order is delivered only when its status, filled quantity or fees changed since its last
///   delivery — a snapshot after a reconnect that says what was already said delivers nothing;
/// - the order's size is `cumulative_quantity + leaves_quantity` while it works, remembered for
///   the reports where `leaves_quantity` drops to 0 (cancelled, expired).
///
/// Orders without a `client_order_id` are skipped.
struct CoinbaseStreamParse: Sendable {
    struct Tracked: Sendable, Equatable {
        var status: OrderStatus
        var filled: Double
        var fee: Double
        var quantity: Double
    }

    private(set) var orders: [String: Tracked] = [:]

    /// The `user` channel orders of a frame that changed.
    mutating func apply(_ frame: CoinbaseStreamModels.Frame) -> [VenueOrder] {
        guard frame.channel == "user" else { return [] }
        let time = frame.timestamp.flatMap(CoinbaseParse.milliseconds(iso8601:)) ?? 0
        return (frame.events ?? []).flatMap { event in (event.orders ?? []).compactMap { apply($0, time: time) } }
    }

    /// One order report; the order when it changed. `time`: the frame's timestamp (ms).
    mutating func apply(_ report: CoinbaseStreamModels.Order, time: Int64) -> VenueOrder? {
        guard let clientOrderId = report.clientOrderId, !clientOrderId.isEmpty,
              let symbol = report.productId.flatMap(CoinbaseHTTP.symbol(productId:)) else { return nil }
        let previous = orders[clientOrderId]
        let reportedFilled = CoinbaseParse.number(report.cumulativeQuantity) ?? 0
        let filled = max(previous?.filled ?? 0, reportedFilled)
        let fee = max(previous?.fee ?? 0, CoinbaseParse.number(report.totalFees) ?? 0)
        let leaves = CoinbaseParse.number(report.leavesQuantity) ?? 0
        var quantity = previous?.quantity ?? 0
        if leaves > 0 { quantity = max(quantity, reportedFilled + leaves) }
        if report.status == "FILLED" { quantity = max(quantity, filled) }
        var status = Self.status(report.status, filled: filled)
        if let previous, previous.status.isTerminal { status = previous.status }
        let now = Tracked(status: status, filled: filled, fee: fee, quantity: quantity)
        guard now != previous else { return nil }
        orders[clientOrderId] = now
        let average = CoinbaseParse.number(report.avgPrice).flatMap { $0 > 0 && filled > 0 ? $0 : nil }
        let reason = [report.rejectReason, report.cancelReason].compactMap { $0 }
            .first { !$0.isEmpty && !$0.hasPrefix("UNKNOWN_") && $0 != "REJECT_REASON_UNSPECIFIED" }
        let created = report.creationTime.flatMap(CoinbaseParse.milliseconds(iso8601:)) ?? 0
        return VenueOrder(
            clientOrderId: clientOrderId, venueOrderId: report.orderId, symbol: symbol,
            side: report.orderSide?.uppercased() == "SELL" ? .sell : .buy, type: Self.orderType(report.orderType), status: status,
            quantity: quantity, filledQuantity: filled, averageFillPrice: average, limitPrice: CoinbaseParse.number(report.limitPrice),
            stopPrice: CoinbaseParse.number(report.stopPrice), cumulativeFee: fee, feeAsset: symbol.quote, reason: reason,
            updatedAt: max(time, created))
    }

    static func status(_ text: String, filled: Double) -> OrderStatus {
        switch text {
        case "PENDING", "QUEUED", "UNKNOWN_ORDER_STATUS": .submitted
        case "OPEN", "CANCEL_QUEUED", "EDIT_QUEUED": filled > 0 ? .partiallyFilled : .accepted
        case "FILLED": .filled
        case "CANCELLED": .cancelled
        case "EXPIRED": .expired
        case "FAILED": .rejected
        default: .submitted
        }
    }

    /// `Limit`, `LIMIT`, `Market`, `STOP_LIMIT`, … (the `user` channel capitalises them unlike REST).
    static func orderType(_ text: String?) -> OrderType {
        switch text?.uppercased() {
        case "LIMIT": .limit
        case "STOP_LIMIT", "STOPLIMIT": .stopLimit
        case "STOP": .stop
        default: .market
        }
    }
}
