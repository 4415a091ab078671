/// Kraken spot REST wire types. Every answer is `{"error":[…],"result":…}` with HTTP 200, API-level
/// failures included; numbers are decimal strings.
enum KrakenModels {
    /// The envelope. `result` is decoded leniently: on an error Kraken sends `{}` or nothing.
    struct Envelope<Result: Decodable>: Decodable {
        let error: [String]
        let result: Result?

        enum CodingKeys: String, CodingKey { case error, result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            error = try container.decodeIfPresent([String].self, forKey: .error) ?? []
            if error.isEmpty {
                result = try container.decodeIfPresent(Result.self, forKey: .result)
            } else {
                result = try? container.decodeIfPresent(Result.self, forKey: .result)
            }
        }
    }

    /// `GET /0/public/Time`.
    struct Time: Decodable {
        let unixtime: Int64
    }

    /// One `GET /0/public/AssetPairs` entry, keyed by Kraken's canonical pair name (`XXBTZUSD`).
    struct AssetPair: Decodable {
        let altname: String?
        let wsname: String?
        let base: String?
        let quote: String?
        let pairDecimals: Int?
        let lotDecimals: Int?
        let costDecimals: Int?
        let ordermin: String?
        let costmin: String?
        let tickSize: String?
        let status: String?

        enum CodingKeys: String, CodingKey {
            case altname, wsname, base, quote, ordermin, costmin, status
            case pairDecimals = "pair_decimals"
            case lotDecimals = "lot_decimals"
            case costDecimals = "cost_decimals"
            case tickSize = "tick_size"
        }
    }

    /// `AddOrder`'s result.
    struct AddOrderResult: Decodable {
        let txid: [String]?
    }

    /// `CancelOrder`'s result.
    struct CancelResult: Decodable {
        let count: Int?
        let pending: Bool?
    }

    /// `OpenOrders`' result.
    struct OpenOrdersResult: Decodable {
        let open: [String: OrderInfo]
    }

    /// `ClosedOrders`' result.
    struct ClosedOrdersResult: Decodable {
        let closed: [String: OrderInfo]
        let count: Int?
    }

    /// `BalanceEx`: per asset, the total and the part held by open orders.
    struct ExtendedBalance: Decodable {
        let balance: String
        let holdTrade: String?

        enum CodingKeys: String, CodingKey {
            case balance
            case holdTrade = "hold_trade"
        }
    }

    /// `GetWebSocketsToken`'s result.
    struct WebSocketToken: Decodable {
        let token: String
        let expires: Int?
    }

    /// An order as `QueryOrders`, `OpenOrders` and `ClosedOrders` describe it (keyed by txid).
    struct OrderInfo: Decodable {
        let userref: Int?
        let clOrdId: String?
        let status: String
        let opentm: Double?
        let closetm: Double?
        let descr: Description
        let vol: String
        let volExec: String
        let cost: String?
        let fee: String?
        /// The average execution price.
        let price: String?
        let stopprice: String?
        let limitprice: String?
        let oflags: String?
        let reason: String?

        enum CodingKeys: String, CodingKey {
            case userref, status, opentm, closetm, descr, vol, cost, fee, price, stopprice, limitprice, oflags, reason
            case clOrdId = "cl_ord_id"
            case volExec = "vol_exec"
        }

        struct Description: Decodable {
            let pair: String
            let type: String
            let ordertype: String
            /// The limit price (limit), or the trigger price (stop-loss, stop-loss-limit).
            let price: String?
            /// The limit price of a stop-loss-limit.
            let price2: String?
        }
    }
}
