/// Kraken WebSocket v2 wire types for the private `executions` channel
/// (`wss://ws-auth.kraken.com/v2`). Numbers are JSON numbers; an update carries only the fields
/// its `exec_type` needs (a `new` report names little more than the order id and status), so
/// every field but `order_id` is optional.
enum KrakenStreamModels {
    /// Any frame: a method answer (`subscribe`, `pong`), a heartbeat, or channel data.
    struct Frame: Decodable {
        let method: String?
        let success: Bool?
        let error: String?
        let channel: String?
        /// `snapshot` or `update`.
        let type: String?
        let data: [Execution]?
        let result: SubscribeResult?

        struct SubscribeResult: Decodable {
            let channel: String?
        }
    }

    /// One execution report.
    struct Execution: Decodable {
        let orderId: String
        let clOrdId: String?
        let orderUserref: Int?
        /// `pending_new`, `new`, `trade`, `filled`, `canceled`, `expired`, `amended`, `restated`, `status`.
        let execType: String?
        /// `pending_new`, `new`, `partially_filled`, `filled`, `canceled`, `expired`.
        let orderStatus: String?
        /// `BTC/USD` (v2 names BTC, not XBT).
        let symbol: String?
        let side: String?
        let orderType: String?
        let orderQty: Double?
        let limitPrice: Double?
        let stopPrice: Double?
        let triggers: Triggers?
        let execId: String?
        let tradeId: Int?
        let lastQty: Double?
        let lastPrice: Double?
        /// Value of this trade (quote).
        let cost: Double?
        let cumQty: Double?
        let cumCost: Double?
        let avgPrice: Double?
        let fees: [Fee]?
        let liquidityInd: String?
        let reason: String?
        let cancelReason: String?
        /// RFC 3339, `2023-09-22T10:33:05.709993Z`.
        let timestamp: String?

        enum CodingKeys: String, CodingKey {
            case symbol, side, cost, fees, reason, timestamp, triggers
            case orderId = "order_id"
            case clOrdId = "cl_ord_id"
            case orderUserref = "order_userref"
            case execType = "exec_type"
            case orderStatus = "order_status"
            case orderType = "order_type"
            case orderQty = "order_qty"
            case limitPrice = "limit_price"
            case stopPrice = "stop_price"
            case execId = "exec_id"
            case tradeId = "trade_id"
            case lastQty = "last_qty"
            case lastPrice = "last_price"
            case cumQty = "cum_qty"
            case cumCost = "cum_cost"
            case avgPrice = "avg_price"
            case liquidityInd = "liquidity_ind"
            case cancelReason = "cancel_reason"
        }
    }

    /// A fee charged, in `asset`.
    struct Fee: Decodable {
        let asset: String
        let qty: Double
    }

    /// The trigger of a stop order.
    struct Triggers: Decodable {
        let price: Double?
    }
}
