/// Binance spot wire types (REST `api/v3` and the WebSocket API user-data events), decoded as
/// sent: every quantity and price is a decimal string, so nothing passes through a binary
/// float before ``BinanceParse`` reads it.

/// `{"code":-2010,"msg":"Account has insufficient balance for requested action."}`
struct BinanceErrorBody: Decodable, Sendable {
    let code: Int
    let msg: String
}

/// `GET /api/v3/time`
struct BinanceServerTime: Decodable, Sendable {
    let serverTime: Int64
}

/// `GET /api/v3/exchangeInfo`: only the parts the symbol rules need.
struct BinanceExchangeInfo: Decodable, Sendable {
    let symbols: [Symbol]

    struct Symbol: Decodable, Sendable {
        let symbol: String
        let status: String?
        let baseAsset: String
        let quoteAsset: String
        let filters: [Filter]
    }

    /// One entry of `filters[]`; which fields are present depends on `filterType`.
    struct Filter: Decodable, Sendable {
        let filterType: String
        // PRICE_FILTER
        let minPrice: String?
        let maxPrice: String?
        let tickSize: String?
        // LOT_SIZE / MARKET_LOT_SIZE
        let minQty: String?
        let maxQty: String?
        let stepSize: String?
        // NOTIONAL / MIN_NOTIONAL
        let minNotional: String?
        let maxNotional: String?
        let applyMinToMarket: Bool?
        let applyMaxToMarket: Bool?
        /// Legacy `MIN_NOTIONAL` spelling of `applyMinToMarket`.
        let applyToMarket: Bool?
    }
}

/// `GET /api/v3/account`
struct BinanceAccount: Decodable, Sendable {
    let balances: [Balance]

    struct Balance: Decodable, Sendable {
        let asset: String
        let free: String
        let locked: String
    }
}

/// An order as `POST`/`DELETE`/`GET /api/v3/order` and `GET /api/v3/openOrders` answer it.
///
/// `fills` is only in the `FULL` answer to a place; `origClientOrderId` only in a cancel's answer
/// (where `clientOrderId` names the cancel request, not the order).
struct BinanceOrderPayload: Decodable, Sendable {
    let symbol: String
    let orderId: Int64
    let clientOrderId: String
    let origClientOrderId: String?
    let price: String?
    let origQty: String?
    let executedQty: String?
    let cummulativeQuoteQty: String?
    let status: String?
    let timeInForce: String?
    let type: String?
    let side: String?
    let stopPrice: String?
    let time: Int64?
    let updateTime: Int64?
    let transactTime: Int64?
    let workingTime: Int64?
    let fills: [Fill]?

    struct Fill: Decodable, Sendable {
        let price: String
        let qty: String
        let commission: String
        let commissionAsset: String
    }
}

/// A WebSocket API frame: either the answer to a request (`id`, `status`, `result`/`error`) or a
/// user-data event (`subscriptionId`, `event`).
struct BinanceWebSocketFrame: Decodable, Sendable {
    let id: String?
    let status: Int?
    let error: BinanceErrorBody?
    let subscriptionId: Int?
    let event: BinanceUserEvent?
}

/// One user-data event. Only `executionReport` carries order fields; `eventStreamTerminated`
/// means the subscription is gone and must be made again.
///
/// The single-letter keys are case-sensitive (`c` the client order id, `C` the original one on a
/// cancel; `z`/`Z` cumulative base/quote; `n`/`N` this fill's commission and its asset).
struct BinanceUserEvent: Decodable, Sendable {
    let eventType: String
    let eventTime: Int64?
    let symbol: String?
    let clientOrderId: String?
    let side: String?
    let orderType: String?
    let timeInForce: String?
    let quantity: String?
    let price: String?
    let stopPrice: String?
    let originalClientOrderId: String?
    let executionType: String?
    let orderStatus: String?
    let rejectReason: String?
    let orderId: Int64?
    let cumulativeQuantity: String?
    let commission: String?
    let commissionAsset: String?
    let transactionTime: Int64?
    let tradeId: Int64?
    let cumulativeQuote: String?

    enum CodingKeys: String, CodingKey {
        case eventType = "e"
        case eventTime = "E"
        case symbol = "s"
        case clientOrderId = "c"
        case side = "S"
        case orderType = "o"
        case timeInForce = "f"
        case quantity = "q"
        case price = "p"
        case stopPrice = "P"
        case originalClientOrderId = "C"
        case executionType = "x"
        case orderStatus = "X"
        case rejectReason = "r"
        case orderId = "i"
        case cumulativeQuantity = "z"
        case commission = "n"
        case commissionAsset = "N"
        case transactionTime = "T"
        case tradeId = "t"
        case cumulativeQuote = "Z"
    }
}

/// `{"id":…,"method":"userDataStream.subscribe.signature","params":{…}}`
struct BinanceSubscribeRequest: Encodable, Sendable {
    let id: String
    let method: String
    let params: Params

    struct Params: Encodable, Sendable {
        let apiKey: String
        let recvWindow: Int64
        let timestamp: Int64
        let signature: String
    }
}
