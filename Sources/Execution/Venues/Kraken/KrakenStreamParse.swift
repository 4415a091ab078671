#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Kraken `executions` reports → ``VenueOrder``s with cumulative figures.
///
/// Kraken sends partial reports: a `pending_new` names the order fully, the `new` after it only
/// the order id and status, a `trade` the fill (`last_qty`, `last_price`, `fees`) and perhaps
/// `cum_qty`. So the parser keeps each order (by `order_id`) and merges every report into it:
///
/// - a `trade` adds its quantity, value and fees once per `exec_id` — a trade seen again (a
///   replayed snapshot) adds nothing;
/// - `cum_qty` / `cum_cost` / `avg_price`, when present (open-order snapshots, `filled`
///   reports), are the venue's totals and win, but never move the filled quantity back;
/// - an order is delivered only when its status, filled quantity or fees changed since the last
///   delivery, so the snapshot Kraken sends after every (re)subscribe repeats nothing.
///
/// Orders without a `cl_ord_id` (placed elsewhere) are tracked but never delivered.
struct KrakenStreamParse: Sendable {
    struct Tracked: Sendable {
        var clientOrderId: String?
        var symbol: TradingSymbol?
        var side: Side?
        var type: OrderType = .market
        var quantity: Double = 0
        var limitPrice: Double?
        var stopPrice: Double?
        var status: OrderStatus = .submitted
        var filled: Double = 0
        var value: Double = 0
        var averagePrice: Double?
        var fee: Double = 0
        var feeAsset: String?
        var reason: String?
        var updatedAt: Int64 = 0
        var tradesSeen: Set<String> = []
        var delivered: Delivered?
    }

    /// What was last delivered for an order.
    struct Delivered: Sendable, Equatable {
        var status: OrderStatus
        var filled: Double
        var fee: Double
        var quantity: Double
    }

    private(set) var orders: [String: Tracked] = [:]

    /// Merges one frame; answers the orders that changed.
    mutating func apply(_ frame: KrakenStreamModels.Frame) -> [VenueOrder] {
        guard frame.channel == "executions", let data = frame.data else { return [] }
        return data.compactMap { apply($0) }
    }

    /// Merges one report; answers the order when it changed.
    mutating func apply(_ report: KrakenStreamModels.Execution) -> VenueOrder? {
        var order = orders[report.orderId] ?? Tracked()
        if let id = report.clOrdId, !id.isEmpty { order.clientOrderId = id }
        if let name = report.symbol, let symbol = Self.symbol(name) { order.symbol = symbol }
        if let side = report.side { order.side = side == "sell" ? .sell : .buy }
        if let type = report.orderType { order.type = Self.orderType(type) }
        if let quantity = report.orderQty, quantity > 0 { order.quantity = quantity }
        if let limit = report.limitPrice, limit > 0 { order.limitPrice = limit }
        if let stop = report.triggers?.price ?? report.stopPrice, stop > 0 { order.stopPrice = stop }
        if let stamp = report.timestamp, let milliseconds = CoinbaseParse.milliseconds(iso8601: stamp) {
            order.updatedAt = max(order.updatedAt, milliseconds)
        }
        if let reason = report.reason ?? report.cancelReason, !reason.isEmpty { order.reason = reason }

        if report.execType == "trade" {
            let fresh = report.execId.map { order.tradesSeen.insert($0).inserted } ?? true
            if fresh, let quantity = report.lastQty, quantity > 0 {
                order.filled += quantity
                // The price times the quantity: `cost` is rounded to the quote's decimals.
                order.value += report.lastPrice.map { $0 * quantity } ?? report.cost ?? 0
                for fee in report.fees ?? [] {
                    order.fee += fee.qty
                    order.feeAsset = KrakenHTTP.commonAsset(fee.asset)
                }
            }
        } else if let fees = report.fees, !fees.isEmpty {
            // Outside a trade (an order snapshot) the fees are the order's total.
            order.fee = max(order.fee, fees.reduce(0) { $0 + $1.qty })
            order.feeAsset = KrakenHTTP.commonAsset(fees[0].asset)
        }
        if let total = report.cumQty, total > order.filled {
            order.filled = total
            if let cost = report.cumCost { order.value = cost }
        }
        if let cost = report.cumCost, cost > order.value { order.value = cost }
        if let average = report.avgPrice, average > 0 {
            order.averagePrice = average
        } else if order.filled > 0, order.value > 0 {
            order.averagePrice = order.value / order.filled
        }
        if let status = Self.status(orderStatus: report.orderStatus, execType: report.execType, order: order) {
            order.status = Self.merged(order.status, status)
        }
        defer { orders[report.orderId] = order }
        guard let clientOrderId = order.clientOrderId, let symbol = order.symbol, let side = order.side else { return nil }
        let now = Delivered(status: order.status, filled: order.filled, fee: order.fee, quantity: order.quantity)
        guard now != order.delivered else { return nil }
        order.delivered = now
        return VenueOrder(
            clientOrderId: clientOrderId, venueOrderId: report.orderId, symbol: symbol, side: side, type: order.type,
            status: order.status, quantity: order.quantity, filledQuantity: order.filled,
            averageFillPrice: order.filled > 0 ? order.averagePrice : nil, limitPrice: order.limitPrice, stopPrice: order.stopPrice,
            cumulativeFee: order.filled > 0 || order.fee > 0 ? order.fee : nil,
            feeAsset: order.feeAsset ?? (order.fee > 0 ? symbol.quote : nil), reason: order.reason, updatedAt: order.updatedAt)
    }

    /// `BTC/USD` (or `XBT/USD`) → the symbol.
    static func symbol(_ name: String) -> TradingSymbol? {
        let parts = name.split(separator: "/")
        guard parts.count == 2 else { return nil }
        return try? TradingSymbol(base: KrakenHTTP.commonAsset(String(parts[0])), quote: KrakenHTTP.commonAsset(String(parts[1])))
    }

    static func orderType(_ name: String) -> OrderType {
        switch name {
        case "limit", "iceberg": .limit
        case "stop-loss", "take-profit", "trailing-stop": .stop
        case "stop-loss-limit", "take-profit-limit", "trailing-stop-limit": .stopLimit
        default: .market
        }
    }

    /// The status a report states (`order_status`, else what its `exec_type` implies); nil when it says none.
    static func status(orderStatus: String?, execType: String?, order: Tracked) -> OrderStatus? {
        let partial = order.filled > 0 && (order.quantity == 0 || order.filled < order.quantity - 1e-12)
        switch orderStatus ?? execType {
        case "pending_new": return .submitted
        case "new": return order.filled > 0 ? .partiallyFilled : .accepted
        case "partially_filled": return .partiallyFilled
        case "trade": return partial || order.quantity == 0 ? .partiallyFilled : .filled
        case "filled": return .filled
        case "canceled": return .cancelled
        case "expired": return .expired
        default: return nil
        }
    }

    /// A terminal status stays; otherwise the report's status applies (a late `new` after the
    /// first fill keeps `partiallyFilled`).
    static func merged(_ current: OrderStatus, _ reported: OrderStatus) -> OrderStatus {
        if current.isTerminal { return current }
        if current == .partiallyFilled, reported == .accepted || reported == .submitted { return current }
        return reported
    }
}
