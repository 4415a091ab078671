import Foundation
import Hummingbird
import HummingbirdWebSocket
import Synchronization

/// The Advanced Trade WebSocket `user` channel (served on `/`), as Coinbase documents it:
///
/// - `{"type":"subscribe","channel":"user"|"heartbeats","product_ids":[…],"jwt":…}`, one channel per
///   message, each JWT checked like the REST ones (registered `kid`, ES256/EdDSA signature, `sub`,
///   `iss` `cdp`, `nbf`/`exp`, a nonce) except that it must carry **no** `uri` claim. A refused
///   JWT answers `{"type":"error","message":"authentication failure"}`.
/// - An accepted `user` subscription is acked on the `subscriptions` channel and followed by a
///   `snapshot` event of the open orders with their cumulative figures.
/// - Every order change the REST side or a test hook makes is pushed as an `update` event with
///   the order's cumulative figures (`cumulative_quantity`, `leaves_quantity`, `avg_price`,
///   `total_fees`, `status`).
extension CoinbaseTestServer {
    /// Serves REST and the `user` channel on 127.0.0.1 at a free port for the length of `body`,
    /// then stops (closing stream connections first).
    public func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        router.ws("/") { [self] inbound, outbound, _ in
            try await hub.serve(inbound: inbound, outbound: outbound) { [self] id, text in streamRequest(text, connection: id) }
        }
        return try await withLocalWebSocketServer(label: "coinbase-test-server", router: router, beforeStop: { [hub] in hub.dropAll() }, body)
    }

    /// Connections subscribed to `user`.
    public var userSubscribers: Int { hub.subscribers }
    /// `user` subscriptions accepted so far (a reconnect adds one).
    public var acceptedSubscriptions: Int { hub.acceptedSubscriptions }
    /// Subscriptions refused (bad JWT).
    public var refusedSubscriptions: Int { hub.refusedSubscriptions }
    /// Frames clients sent on the stream.
    public var streamFramesReceived: [String] { hub.received }

    /// Closes every stream connection (the client must reconnect and subscribe again).
    public func dropStreamConnections() { hub.dropAll() }

    /// Pushes a raw frame (a documented payload) to `user` subscribers.
    public func pushUserFrame(_ text: String) { hub.publish(text) }

    private func streamRequest(_ text: String, connection id: Int) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              object["type"] as? String == "subscribe", let channel = object["channel"] as? String else {
            return hub.send(id, #"{"type":"error","message":"failure to subscribe"}"#)
        }
        let keys = state.withLock { $0.keys }
        guard case .success = Self.verify(jwt: Substring(object["jwt"] as? String ?? ""), uri: nil, keys: keys) else {
            if channel == "user" { hub.subscribed(id, false) }
            return hub.send(id, #"{"type":"error","message":"authentication failure"}"#)
        }
        let products = object["product_ids"] as? [String] ?? []
        let stamp = Self.iso(Date())
        hub.send(id, Self.encodeFrame([
            "channel": "subscriptions", "client_id": "", "timestamp": stamp, "sequence_num": hub.nextSequence(),
            "events": [["subscriptions": [channel: channel == "user" ? products : [channel]]]],
        ]))
        guard channel == "user" else { return }
        let open = state.withLock { $0.orders.filter { $0.status == "OPEN" && (products.isEmpty || products.contains($0.product.id)) } }
        hub.send(id, Self.encodeFrame([
            "channel": "user", "client_id": "", "timestamp": stamp, "sequence_num": hub.nextSequence(),
            "events": [["type": "snapshot", "orders": open.map(Self.userReport)]],
        ]))
        hub.subscribed(id, true)
    }

    /// Pushes the orders that changed (called with the state lock held: touches the hub only).
    func publishChanges(from before: [Order], to after: [Order]) {
        let changed = after.filter { order in
            guard let old = before.first(where: { $0.id == order.id }) else { return true }
            return old.status != order.status || old.filled != order.filled || old.fees != order.fees
        }
        guard !changed.isEmpty else { return }
        hub.publish(Self.encodeFrame([
            "channel": "user", "client_id": "", "timestamp": Self.iso(Date()), "sequence_num": hub.nextSequence(),
            "events": [["type": "update", "orders": changed.map(Self.userReport)]],
        ]))
    }

    /// An order as the `user` channel reports it (cumulative figures).
    static func userReport(_ order: Order) -> [String: Any] {
        let open = order.status == "OPEN"
        var report: [String: Any] = [
            "order_id": order.id, "client_order_id": order.clientId, "cumulative_quantity": format(order.filled),
            "leaves_quantity": open ? format(order.size - order.filled) : "0",
            "avg_price": format(order.filled > 0 ? order.value / order.filled : 0), "total_fees": format(order.fees),
            "status": order.status, "product_id": order.product.id, "creation_time": iso(order.created),
            "order_side": order.side, "order_type": order.type == "MARKET" ? "Market" : (order.type == "LIMIT" ? "Limit" : "StopLimit"),
            "cancel_reason": order.cancelMessage, "reject_reason": "",
            "total_value_after_fees": format(order.side == "BUY" ? order.value + order.fees : order.value - order.fees),
            "product_type": "SPOT", "time_in_force": "GOOD_UNTIL_CANCELLED", "trigger_status": "INVALID_ORDER_TYPE",
        ]
        if let limit = order.limitText { report["limit_price"] = limit }
        if let stop = order.stopText { report["stop_price"] = stop }
        return report
    }

    static func encodeFrame(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
