/// Bybit v5 wire types (only the fields the adapter reads). Bybit sends every number as a string.
enum BybitModels {
    /// `{"retCode":0,"retMsg":"OK",…}` without the result: decoded first, so an error answer (whose
    /// `result` is `{}`) never fails on the result's shape.
    struct Status: Decodable {
        let retCode: Int
        let retMsg: String?
    }

    /// The envelope with a typed result.
    struct Envelope<Result: Decodable>: Decodable {
        let retCode: Int
        let retMsg: String?
        let result: Result
        let time: Int64?
    }

    /// `GET /v5/market/time`.
    struct ServerTime: Decodable {
        let timeSecond: String?
        let timeNano: String?
    }

    /// `GET /v5/market/instruments-info`.
    struct Instruments: Decodable {
        let list: [Instrument]
    }

    struct Instrument: Decodable {
        struct LotSizeFilter: Decodable {
            let basePrecision: String?
            let quotePrecision: String?
            let minOrderQty: String?
            let maxOrderQty: String?
            let minOrderAmt: String?
            let maxOrderAmt: String?
            let maxLimitOrderQty: String?
            let maxMarketOrderQty: String?
        }
        struct PriceFilter: Decodable {
            let tickSize: String?
        }
        let symbol: String
        let baseCoin: String?
        let quoteCoin: String?
        let status: String?
        let lotSizeFilter: LotSizeFilter?
        let priceFilter: PriceFilter?
    }

    /// `POST /v5/order/create` and `/v5/order/cancel`.
    struct OrderAck: Decodable {
        let orderId: String?
        let orderLinkId: String?
    }

    /// `GET /v5/order/realtime` and `/v5/order/history`.
    struct OrderList: Decodable {
        let list: [Order]
        let nextPageCursor: String?
    }

    /// One order, as REST and the private `order` topic both send it.
    struct Order: Decodable {
        let orderId: String?
        let orderLinkId: String?
        let symbol: String
        let side: String
        let orderType: String?
        let orderStatus: String
        let price: String?
        let qty: String?
        let triggerPrice: String?
        let avgPrice: String?
        let cumExecQty: String?
        let cumExecValue: String?
        let cumExecFee: String?
        /// Newer answers: fee per coin, e.g. `{"BTC":"0.0001"}`.
        let cumFeeDetail: [String: String]?
        let feeCurrency: String?
        let rejectReason: String?
        let cancelType: String?
        let marketUnit: String?
        let createdTime: String?
        let updatedTime: String?
    }

    /// `GET /v5/account/wallet-balance`.
    struct Wallet: Decodable {
        let list: [Account]
    }

    struct Account: Decodable {
        let accountType: String?
        let coin: [Coin]?
    }

    struct Coin: Decodable {
        let coin: String
        let walletBalance: String?
        /// Held by spot open orders (UTA).
        let locked: String?
        let equity: String?
    }

    /// A private-stream message: an op answer (`auth`, `subscribe`, `pong`) or a topic push.
    struct StreamMessage: Decodable {
        let op: String?
        let success: Bool?
        let retMsg: String?
        let topic: String?
        let data: [Order]?

        enum CodingKeys: String, CodingKey {
            case op, success, topic, data
            case retMsg = "ret_msg"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            op = try container.decodeIfPresent(String.self, forKey: .op)
            success = try container.decodeIfPresent(Bool.self, forKey: .success)
            retMsg = try container.decodeIfPresent(String.self, forKey: .retMsg)
            topic = try container.decodeIfPresent(String.self, forKey: .topic)
            // Only the order topic's data is a list of orders; other topics are ignored.
            if let topic, topic == "order" || topic.hasPrefix("order.") {
                data = try container.decodeIfPresent([Order].self, forKey: .data)
            } else {
                data = nil
            }
        }
    }
}
