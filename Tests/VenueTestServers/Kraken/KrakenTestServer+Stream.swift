import Foundation
import Hummingbird
import HummingbirdWebSocket
import Synchronization

/// The WebSocket v2 private `executions` channel (`/v2`), as Kraken documents it:
///
/// - `{"method":"subscribe","params":{"channel":"executions","token":…}}` is accepted only with a
///   token `GetWebSocketsToken` handed out (itself a signature-checked private call); anything
///   else answers `{"method":"subscribe","success":false,"error":"ESession:Invalid session",…}`.
/// - The ack is followed by a `snapshot` of the open orders with their totals (`cum_qty`,
///   `cum_cost`, `avg_price`, `fees`).
/// - Every change the REST side or a test hook makes is pushed as Kraken does: a new order as
///   `pending_new` (full) then `new` (order id and status only); a fill as `trade` (`exec_id`,
///   `last_qty`, `last_price`, `cost`, `fees`, `order_status` partially_filled / filled); a cancel as
///   `canceled` with the totals.
/// - `{"method":"ping"}` answers `pong`.
extension KrakenTestServer {
    /// Serves REST and the private stream (`/v2`) on 127.0.0.1 at a free port for the length of
    /// `body`, then stops (closing stream connections first).
    public func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        router.ws("/v2") { [self] inbound, outbound, _ in
            try await hub.serve(inbound: inbound, outbound: outbound) { [self] id, text in streamRequest(text, connection: id) }
        }
        return try await withLocalWebSocketServer(label: "kraken-test-server", router: router, beforeStop: { [hub] in hub.dropAll() }, body)
    }

    /// Connections subscribed to `executions`.
    public var executionSubscribers: Int { hub.subscribers }
    /// Subscriptions accepted so far (a reconnect adds one).
    public var acceptedSubscriptions: Int { hub.acceptedSubscriptions }
    /// Subscriptions refused (unknown token).
    public var refusedSubscriptions: Int { hub.refusedSubscriptions }
    /// Frames clients sent on the private stream.
    public var streamFramesReceived: [String] { hub.received }

    /// Closes every private-stream connection (the client must reconnect and subscribe again).
    public func dropStreamConnections() { hub.dropAll() }

    /// Pushes a raw frame (a documented payload) to subscribed connections.
    public func pushExecutions(_ text: String) { hub.publish(text) }

    private func streamRequest(_ text: String, connection id: Int) {
        let stamp = Self.rfc3339(Date())
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let method = object["method"] as? String else {
            return hub.send(id, #"{"error":"EGeneral:Invalid arguments","success":false,"time_in":"\#(stamp)","time_out":"\#(stamp)"}"#)
        }
        switch method {
        case "ping":
            hub.send(id, #"{"method":"pong","time_in":"\#(stamp)","time_out":"\#(stamp)"}"#)
        case "subscribe":
            let params = object["params"] as? [String: Any] ?? [:]
            let token = params["token"] as? String ?? ""
            let known = state.withLock { $0.webSocketTokens.contains(token) }
            guard params["channel"] as? String == "executions", known else {
                hub.subscribed(id, false)
                return hub.send(id, #"{"error":"ESession:Invalid session","method":"subscribe","success":false,"time_in":"\#(stamp)","time_out":"\#(stamp)"}"#)
            }
            let snapOrders = params["snap_orders"] as? Bool ?? true
            let snapTrades = params["snap_trades"] as? Bool ?? false
            hub.send(id, Self.encode([
                "method": "subscribe", "success": true, "time_in": stamp, "time_out": stamp,
                "result": ["channel": "executions", "maxratecount": 125, "snap_orders": snapOrders, "snap_trades": snapTrades] as [String: Any],
            ]))
            let open = snapOrders ? state.withLock { $0.orders.filter { $0.status == "open" } } : []
            hub.send(id, Self.encode([
                "channel": "executions", "type": "snapshot", "data": open.map(Self.snapshotReport), "sequence": hub.nextSequence(),
            ]))
            hub.subscribed(id, true)
        default:
            hub.send(id, #"{"error":"EGeneral:Invalid arguments","method":"\#(method)","success":false,"time_in":"\#(stamp)","time_out":"\#(stamp)"}"#)
        }
    }

    /// Pushes what changed between two order lists (called with the state lock held: touches the hub only).
    func publishChanges(from before: [Order], to after: [Order]) {
        var reports: [[String: Any]] = []
        for order in after {
            let old = before.first { $0.txid == order.txid }
            let stamp = Self.rfc3339(Date())
            if old == nil {
                reports.append(Self.pendingNewReport(order, stamp: stamp))
                reports.append(["order_id": order.txid, "exec_type": "new", "order_status": "new", "order_userref": order.userref ?? 0, "timestamp": stamp])
            }
            let executedBefore = old?.executed ?? 0
            if order.executed > executedBefore + 1e-12 {
                let quantity = order.executed - executedBefore
                let cost = order.cost - (old?.cost ?? 0)
                let fee = order.fee - (old?.fee ?? 0)
                let sequence = hub.nextSequence()
                reports.append([
                    "order_id": order.txid, "order_userref": order.userref ?? 0, "exec_id": String(format: "TX%05d-EXEC-%05d", sequence, sequence * 13 % 99_999),
                    "exec_type": "trade", "trade_id": sequence, "symbol": Self.v2Symbol(order.pair), "side": order.side,
                    "last_qty": Self.rounded(quantity, 8), "last_price": Self.rounded(cost / quantity, 8), "liquidity_ind": order.ordertype == "market" ? "t" : "m",
                    "cost": Self.rounded(cost, 8), "order_status": order.status == "closed" ? "filled" : "partially_filled", "order_type": order.ordertype,
                    "timestamp": stamp, "fee_usd_equiv": Self.rounded(fee, 8), "fees": [["asset": "USD", "qty": Self.rounded(fee, 8)]],
                ])
            }
            if order.status == "canceled", old?.status != "canceled" {
                reports.append([
                    "order_id": order.txid, "exec_type": "canceled", "order_status": "canceled", "order_userref": order.userref ?? 0,
                    "cum_qty": Self.rounded(order.executed, 8), "cum_cost": Self.rounded(order.cost, 8), "fee_usd_equiv": Self.rounded(order.fee, 8),
                    "avg_price": order.executed > 0 ? Self.rounded(order.cost / order.executed, 8) : 0, "reason": order.reason ?? "User requested",
                    "timestamp": stamp,
                ])
            }
        }
        guard !reports.isEmpty else { return }
        hub.publish(Self.encode(["channel": "executions", "type": "update", "data": reports, "sequence": hub.nextSequence()]))
    }

    static func pendingNewReport(_ order: Order, stamp: String) -> [String: Any] {
        var report: [String: Any] = [
            "order_id": order.txid, "symbol": v2Symbol(order.pair), "order_qty": order.volume, "cum_cost": 0, "time_in_force": "GTC",
            "exec_type": "pending_new", "side": order.side, "order_type": order.ordertype, "order_userref": order.userref ?? 0,
            "order_status": "pending_new", "fee_usd_equiv": 0, "fee_ccy_pref": "fciq", "timestamp": stamp,
        ]
        if let price = order.ordertype == "stop-loss-limit" ? order.price2 : order.price, order.ordertype != "market" {
            report["limit_price"] = price
            report["limit_price_type"] = "static"
        }
        if let clientId = order.clOrdId { report["cl_ord_id"] = clientId }
        return report
    }

    /// An open order as the subscribe snapshot lists it, with its totals.
    static func snapshotReport(_ order: Order) -> [String: Any] {
        var report = pendingNewReport(order, stamp: rfc3339(Date(timeIntervalSince1970: order.opened)))
        report["exec_type"] = "new"
        report["order_status"] = order.executed > 0 ? "partially_filled" : "new"
        report["cum_qty"] = Self.rounded(order.executed, 8)
        report["cum_cost"] = Self.rounded(order.cost, 8)
        report["avg_price"] = order.executed > 0 ? Self.rounded(order.cost / order.executed, 8) : 0
        report["fee_usd_equiv"] = Self.rounded(order.fee, 8)
        report["fees"] = [["asset": "USD", "qty": Self.rounded(order.fee, 8)]]
        return report
    }

    /// `BTC/USD`: v2 names BTC where REST says XBT.
    static func v2Symbol(_ pair: Pair) -> String {
        pair.wsname.replacingOccurrences(of: "XBT", with: "BTC").replacingOccurrences(of: "XDG", with: "DOGE")
    }

    static func rounded(_ value: Double, _ decimals: Int) -> Double {
        Double(String(format: "%.\(decimals)f", value)) ?? value
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
