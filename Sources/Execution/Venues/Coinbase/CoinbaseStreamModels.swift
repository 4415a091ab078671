/// Coinbase Advanced Trade WebSocket wire types for the `user` channel
/// (`wss://advanced-trade-ws-user.coinbase.com`). Figures are decimal strings and cumulative:
/// `cumulative_quantity`, `avg_price` and `total_fees` are the order's totals so far.
enum CoinbaseStreamModels {
    /// Any frame: `user` data, `subscriptions` acks, `heartbeats`, or `{"type":"error",…}`.
    struct Frame: Decodable {
        let channel: String?
        let type: String?
        let message: String?
        let timestamp: String?
        let sequenceNum: Int64?
        let events: [Event]?

        enum CodingKeys: String, CodingKey {
            case channel, type, message, timestamp, events
            case sequenceNum = "sequence_num"
        }
    }

    /// One event: a `snapshot` (the open orders, in batches of 50) or an `update`.
    struct Event: Decodable {
        let type: String?
        let orders: [Order]?
        /// On the `subscriptions` channel: channel → product ids.
        let subscriptions: [String: [String]]?

        enum CodingKeys: String, CodingKey { case type, orders, subscriptions }

        /// Lenient: an event of another channel (`positions`, heartbeats) decodes with what it has.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            orders = try container.decodeIfPresent([Order].self, forKey: .orders)
            subscriptions = try? container.decodeIfPresent([String: [String]].self, forKey: .subscriptions)
        }
    }

    /// One order as the `user` channel reports it.
    struct Order: Decodable {
        let orderId: String
        let clientOrderId: String?
        /// `PENDING`, `OPEN`, `FILLED`, `CANCELLED`, `EXPIRED`, `FAILED` (and `CANCEL_QUEUED`, …).
        let status: String
        let productId: String?
        let orderSide: String?
        let orderType: String?
        let cumulativeQuantity: String?
        let leavesQuantity: String?
        let avgPrice: String?
        let totalFees: String?
        let limitPrice: String?
        let stopPrice: String?
        let cancelReason: String?
        let rejectReason: String?
        let creationTime: String?

        enum CodingKeys: String, CodingKey {
            case status
            case orderId = "order_id"
            case clientOrderId = "client_order_id"
            case productId = "product_id"
            case orderSide = "order_side"
            case orderType = "order_type"
            case cumulativeQuantity = "cumulative_quantity"
            case leavesQuantity = "leaves_quantity"
            case avgPrice = "avg_price"
            case totalFees = "total_fees"
            case limitPrice = "limit_price"
            case stopPrice = "stop_price"
            case cancelReason = "cancel_reason"
            case rejectReason = "reject_reason"
            case creationTime = "creation_time"
        }
    }
}
