/// The Binance test server's matching state: markets, balances and orders, and the rules a
/// place must pass. Held behind the server's lock; every mutation returns the
/// `executionReport` events it caused so the server can push them after unlocking.
///
/// Simplifications, on purpose: a MARKET order fills at once, whole, at the market's current
/// price; LIMIT, STOP_LOSS and STOP_LOSS_LIMIT orders rest (stops do not trigger by themselves)
/// until the test fills them with ``BinanceTestServer/fill(clientOrderId:quantity:price:)``. The
/// commission is `commissionRate` (0.1 % by default) of what the order receives, in that asset:
/// the base asset for a buy, the quote asset for a sell.
struct BinanceTestExchange: Sendable {
    typealias D = BinanceTestDecimal

    struct Balance: Sendable {
        var free: D
        var locked: D
    }

    struct Fill: Sendable {
        var price: D
        var quantity: D
        var commission: D
        var commissionAsset: String
        var tradeId: Int64
    }

    struct Order: Sendable {
        var orderId: Int64
        var clientOrderId: String
        var symbol: String
        var side: String
        var type: String
        var timeInForce: String
        var quantity: D
        var price: D?
        var stopPrice: D?
        var executed: D = .zero
        var quote: D = .zero
        var status: String
        var time: Int64
        var updateTime: Int64
        /// What a resting order holds: quote for a buy (at `reservePrice`), base for a sell.
        var locked: D = .zero
        var reservePrice: D?
        var fills: [Fill] = []

        var isWorking: Bool { status == "NEW" || status == "PARTIALLY_FILLED" }
    }

    struct Failure: Error, Sendable {
        var status: Int
        var code: Int
        var msg: String
        var headers: [(String, String)] = []
    }

    var markets: [String: BinanceTestServer.Market]
    var prices: [String: D]
    /// Each market's first price: the level the generated klines move around.
    var anchors: [String: D]
    var balances: [String: Balance]
    var orders: [Order] = []
    var nextOrderId: Int64 = 1
    var nextTradeId: Int64 = 1
    var nextCancelId = 1
    var commissionRate: D
    var pendingFault: BinanceTestServer.Fault?
    var clockSkewMilliseconds: Int64 = 0
    /// Signed requests still to be answered `-1021` (``BinanceTestServer/rejectTimestamps(next:)``).
    var timestampRejections = 0
    /// MARKET orders rest (as on a thin book) until `fill` is called, instead of filling at once.
    var marketOrdersRest = false

    static let clientOrderIdPattern = #"^[\.A-Z\:/a-z0-9_-]{1,36}$"#

    init(markets: [BinanceTestServer.Market], balances: [String: Double], commissionRate: Double) {
        self.markets = Dictionary(markets.map { ($0.symbol, $0) }, uniquingKeysWith: { _, last in last })
        prices = Dictionary(markets.map { ($0.symbol, D.parse($0.price)) }, uniquingKeysWith: { _, last in last })
        anchors = prices
        self.balances = balances.mapValues { Balance(free: D($0), locked: .zero) }
        self.commissionRate = D(commissionRate)
    }

    func index(of clientOrderId: String, symbol: String?) -> Int? {
        orders.lastIndex { $0.clientOrderId == clientOrderId && (symbol == nil || $0.symbol == symbol) }
    }

    mutating func credit(_ asset: String, free: D = .zero, locked: D = .zero) {
        var balance = balances[asset] ?? Balance(free: .zero, locked: .zero)
        balance.free = balance.free + free
        balance.locked = balance.locked + locked
        balances[asset] = balance
    }

    // MARK: Place

    /// `POST /api/v3/order` after authentication: validates like Binance, then books the order.
    mutating func place(_ parameters: [String: String], now: Int64) throws(Failure) -> (order: Order, events: [BinanceTestJSON]) {
        func mandatory(_ name: String) throws(Failure) -> String {
            guard let value = parameters[name], !value.isEmpty else {
                throw Failure(status: 400, code: -1102, msg: "Mandatory parameter '\(name)' was not sent, was empty/null, or malformed.")
            }
            return value
        }
        func notSent(_ name: String) throws(Failure) {
            if parameters[name] != nil {
                throw Failure(status: 400, code: -1106, msg: "Parameter '\(name)' sent when not required.")
            }
        }
        func decimal(_ name: String) throws(Failure) -> D {
            let text = try mandatory(name)
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = D(text), value.isPositive else {
                throw Failure(status: 400, code: -1100, msg: "Illegal characters found in parameter '\(name)'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.")
            }
            if value.fractionDigits > 8 {
                throw Failure(status: 400, code: -1111, msg: "Parameter '\(name)' has too much precision.")
            }
            return value
        }

        let symbol = try mandatory("symbol")
        guard let market = markets[symbol], let current = prices[symbol] else {
            throw Failure(status: 400, code: -1121, msg: "Invalid symbol.")
        }
        let side = try mandatory("side")
        guard side == "BUY" || side == "SELL" else { throw Failure(status: 400, code: -1117, msg: "Invalid side.") }
        let type = try mandatory("type")
        guard ["MARKET", "LIMIT", "STOP_LOSS", "STOP_LOSS_LIMIT"].contains(type) else {
            throw Failure(status: 400, code: -1116, msg: "Invalid orderType.")
        }
        let quantity = try decimal("quantity")
        var price: D?
        var stopPrice: D?
        var timeInForce = "GTC"
        switch type {
        case "LIMIT":
            price = try decimal("price")
            timeInForce = try mandatory("timeInForce")
            try notSent("stopPrice")
        case "STOP_LOSS_LIMIT":
            price = try decimal("price")
            stopPrice = try decimal("stopPrice")
            timeInForce = try mandatory("timeInForce")
        case "STOP_LOSS":
            stopPrice = try decimal("stopPrice")
            try notSent("price")
            try notSent("timeInForce")
        default:  // MARKET
            try notSent("price")
            try notSent("stopPrice")
            try notSent("timeInForce")
        }
        guard ["GTC", "IOC", "FOK"].contains(timeInForce) else {
            throw Failure(status: 400, code: -1115, msg: "Invalid timeInForce.")
        }
        let clientOrderId: String
        if let given = parameters["newClientOrderId"] {
            guard given.wholeMatch(of: try! Regex(Self.clientOrderIdPattern)) != nil else {
                throw Failure(status: 400, code: -1100, msg: "Illegal characters found in parameter 'newClientOrderId'; legal range is '\(Self.clientOrderIdPattern)'.")
            }
            clientOrderId = given
        } else {
            clientOrderId = "srv" + String(nextOrderId)
        }
        // Stricter than Binance (which accepts a reused id once the earlier order is filled): any
        // reuse is refused, so a test catches a blind resend.
        if index(of: clientOrderId, symbol: nil) != nil {
            throw Failure(status: 400, code: -2010, msg: "Duplicate order sent.")
        }

        // Filters, in Binance's order.
        for value in [price, stopPrice].compactMap({ $0 }) {
            let tick = D.parse(market.tickSize)
            if value < D.parse(market.minPrice) || (D.parse(market.maxPrice).isPositive && D.parse(market.maxPrice) < value)
                || !(value - D.parse(market.minPrice)).isMultiple(of: tick) {
                throw Failure(status: 400, code: -1013, msg: "Filter failure: PRICE_FILTER")
            }
        }
        let step = D.parse(market.stepSize)
        if quantity < D.parse(market.minQty) || (D.parse(market.maxQty).isPositive && D.parse(market.maxQty) < quantity)
            || !(quantity - D.parse(market.minQty)).isMultiple(of: step) {
            throw Failure(status: 400, code: -1013, msg: "Filter failure: LOT_SIZE")
        }
        let isMarket = type == "MARKET" || type == "STOP_LOSS"
        let notionalPrice = isMarket ? (type == "STOP_LOSS" ? stopPrice! : current) : price!
        let notional = quantity * notionalPrice
        let filterName = market.legacyMinNotional ? "MIN_NOTIONAL" : "NOTIONAL"
        if !isMarket || market.applyMinToMarket, notional < D.parse(market.minNotional) {
            throw Failure(status: 400, code: -1013, msg: "Filter failure: \(filterName)")
        }
        if !market.legacyMinNotional, !isMarket || market.applyMaxToMarket, D.parse(market.maxNotional).isPositive, D.parse(market.maxNotional) < notional {
            throw Failure(status: 400, code: -1013, msg: "Filter failure: NOTIONAL")
        }

        // Balance: a buy needs quote for quantity × (limit | stop | current) price; a sell the base.
        let reservePrice = type == "MARKET" ? current : (price ?? stopPrice!)
        let cost = side == "BUY" ? quantity * reservePrice : quantity
        let asset = side == "BUY" ? market.quote : market.base
        if (balances[asset]?.free ?? .zero) < cost {
            throw Failure(status: 400, code: -2010, msg: "Account has insufficient balance for requested action.")
        }

        var order = Order(
            orderId: nextOrderId, clientOrderId: clientOrderId, symbol: symbol, side: side, type: type, timeInForce: timeInForce,
            quantity: quantity, price: price, stopPrice: stopPrice, status: "NEW", time: now, updateTime: now)
        nextOrderId += 1
        var events = [executionReport(order, executionType: "NEW", now: now)]
        if type == "MARKET" && !marketOrdersRest {
            orders.append(order)
            events.append(contentsOf: try! fill(at: orders.count - 1, quantity: quantity, price: current, now: now))
            order = orders[orders.count - 1]
        } else {
            order.locked = cost
            order.reservePrice = side == "BUY" ? reservePrice : nil
            credit(asset, free: .zero - cost, locked: cost)
            orders.append(order)
        }
        return (order, events)
    }

    // MARK: Fill and cancel

    /// Fills `quantity` of the order at `index` at `price`; moves balances and charges commission.
    mutating func fill(at index: Int, quantity: D, price: D, now: Int64) throws(Failure) -> [BinanceTestJSON] {
        var order = orders[index]
        guard order.isWorking else { throw Failure(status: 400, code: -2013, msg: "Order is not working.") }
        guard quantity.isPositive, !(order.quantity - order.executed < quantity) else {
            throw Failure(status: 400, code: -1013, msg: "Fill exceeds the remaining quantity.")
        }
        guard let market = markets[order.symbol] else { throw Failure(status: 400, code: -1121, msg: "Invalid symbol.") }
        let quote = quantity * price
        let commission: D
        let commissionAsset: String
        if order.side == "BUY" {
            commission = quantity * commissionRate
            commissionAsset = market.base
            if let reserve = order.reservePrice {
                let held = quantity * reserve
                order.locked = order.locked - held
                credit(market.quote, free: held - quote, locked: .zero - held)
            } else {
                credit(market.quote, free: .zero - quote)
            }
            credit(market.base, free: quantity - commission)
        } else {
            commission = quote * commissionRate
            commissionAsset = market.quote
            if order.type != "MARKET" {
                order.locked = order.locked - quantity
                credit(market.base, locked: .zero - quantity)
            } else {
                credit(market.base, free: .zero - quantity)
            }
            credit(market.quote, free: quote - commission)
        }
        let trade = Fill(price: price, quantity: quantity, commission: commission, commissionAsset: commissionAsset, tradeId: nextTradeId)
        nextTradeId += 1
        order.fills.append(trade)
        order.executed = order.executed + quantity
        order.quote = order.quote + quote
        order.status = order.executed == order.quantity ? "FILLED" : "PARTIALLY_FILLED"
        order.updateTime = now
        if order.status == "FILLED", order.locked.isPositive {
            // Rounding leftovers of the reserve go back to free.
            credit(order.side == "BUY" ? market.quote : market.base, free: order.locked, locked: .zero - order.locked)
            order.locked = .zero
        }
        orders[index] = order
        return [executionReport(order, executionType: "TRADE", now: now, trade: trade)]
    }

    /// `DELETE /api/v3/order`: `-2011 Unknown order sent.` for an unknown or finished order.
    mutating func cancel(symbol: String, clientOrderId: String, now: Int64) throws(Failure) -> (order: Order, cancelId: String, events: [BinanceTestJSON]) {
        guard let index = index(of: clientOrderId, symbol: symbol), orders[index].isWorking else {
            throw Failure(status: 400, code: -2011, msg: "Unknown order sent.")
        }
        var order = orders[index]
        if let market = markets[order.symbol], order.locked.isPositive {
            credit(order.side == "BUY" ? market.quote : market.base, free: order.locked, locked: .zero - order.locked)
        }
        order.locked = .zero
        order.status = "CANCELED"
        order.updateTime = now
        orders[index] = order
        let cancelId = "cancel" + String(nextCancelId)
        nextCancelId += 1
        return (order, cancelId, [executionReport(order, executionType: "CANCELED", now: now, cancelClientOrderId: cancelId)])
    }

    // MARK: Payloads

    /// An order as `GET /api/v3/order` and `openOrders` answer it.
    func orderJSON(_ order: Order) -> BinanceTestJSON {
        .object([
            ("symbol", .string(order.symbol)), ("orderId", .int(order.orderId)), ("orderListId", .int(-1)),
            ("clientOrderId", .string(order.clientOrderId)), ("price", .string((order.price ?? .zero).wire)),
            ("origQty", .string(order.quantity.wire)), ("executedQty", .string(order.executed.wire)),
            ("cummulativeQuoteQty", .string(order.quote.wire)), ("status", .string(order.status)),
            ("timeInForce", .string(order.timeInForce)), ("type", .string(order.type)), ("side", .string(order.side)),
            ("stopPrice", .string((order.stopPrice ?? .zero).wire)), ("icebergQty", .string(D.zero.wire)),
            ("time", .int(order.time)), ("updateTime", .int(order.updateTime)), ("isWorking", .bool(order.isWorking)),
            ("workingTime", .int(order.time)), ("origQuoteOrderQty", .string(D.zero.wire)),
            ("selfTradePreventionMode", .string("EXPIRE_MAKER")),
        ])
    }

    /// The answer to a place: `ACK`, `RESULT` or `FULL` (with `fills`).
    func placeJSON(_ order: Order, responseType: String) -> BinanceTestJSON {
        var pairs: [(String, BinanceTestJSON)] = [
            ("symbol", .string(order.symbol)), ("orderId", .int(order.orderId)), ("orderListId", .int(-1)),
            ("clientOrderId", .string(order.clientOrderId)), ("transactTime", .int(order.updateTime)),
        ]
        guard responseType != "ACK" else { return .object(pairs) }
        pairs += [
            ("price", .string((order.price ?? .zero).wire)), ("origQty", .string(order.quantity.wire)),
            ("executedQty", .string(order.executed.wire)), ("origQuoteOrderQty", .string(D.zero.wire)),
            ("cummulativeQuoteQty", .string(order.quote.wire)), ("status", .string(order.status)),
            ("timeInForce", .string(order.timeInForce)), ("type", .string(order.type)), ("side", .string(order.side)),
        ]
        if let stop = order.stopPrice { pairs.append(("stopPrice", .string(stop.wire))) }
        pairs += [("workingTime", .int(order.time)), ("selfTradePreventionMode", .string("EXPIRE_MAKER"))]
        if responseType == "FULL" {
            pairs.append(("fills", .array(order.fills.map { fill in
                .object([
                    ("price", .string(fill.price.wire)), ("qty", .string(fill.quantity.wire)),
                    ("commission", .string(fill.commission.wire)), ("commissionAsset", .string(fill.commissionAsset)),
                    ("tradeId", .int(fill.tradeId)),
                ])
            })))
        }
        return .object(pairs)
    }

    /// The answer to a cancel: `clientOrderId` names the cancel, `origClientOrderId` the order.
    func cancelJSON(_ order: Order, cancelId: String, now: Int64) -> BinanceTestJSON {
        .object([
            ("symbol", .string(order.symbol)), ("origClientOrderId", .string(order.clientOrderId)),
            ("orderId", .int(order.orderId)), ("orderListId", .int(-1)), ("clientOrderId", .string(cancelId)),
            ("transactTime", .int(now)), ("price", .string((order.price ?? .zero).wire)),
            ("origQty", .string(order.quantity.wire)), ("executedQty", .string(order.executed.wire)),
            ("origQuoteOrderQty", .string(D.zero.wire)), ("cummulativeQuoteQty", .string(order.quote.wire)),
            ("status", .string(order.status)), ("timeInForce", .string(order.timeInForce)), ("type", .string(order.type)),
            ("side", .string(order.side)), ("selfTradePreventionMode", .string("EXPIRE_MAKER")),
        ])
    }

    /// A user-data `executionReport` (the event, without the subscription wrapper).
    func executionReport(
        _ order: Order, executionType: String, now: Int64, trade: Fill? = nil, cancelClientOrderId: String? = nil
    ) -> BinanceTestJSON {
        .object([
            ("e", .string("executionReport")), ("E", .int(now)), ("s", .string(order.symbol)),
            ("c", .string(cancelClientOrderId ?? order.clientOrderId)), ("S", .string(order.side)), ("o", .string(order.type)),
            ("f", .string(order.timeInForce)), ("q", .string(order.quantity.wire)), ("p", .string((order.price ?? .zero).wire)),
            ("P", .string((order.stopPrice ?? .zero).wire)), ("F", .string(D.zero.wire)), ("g", .int(-1)),
            ("C", .string(cancelClientOrderId == nil ? "" : order.clientOrderId)), ("x", .string(executionType)),
            ("X", .string(order.status)), ("r", .string("NONE")), ("i", .int(order.orderId)),
            ("l", .string((trade?.quantity ?? .zero).wire)), ("z", .string(order.executed.wire)),
            ("L", .string((trade?.price ?? .zero).wire)), ("n", .string((trade?.commission ?? .zero).wire)),
            ("N", trade.map { .string($0.commissionAsset) } ?? .null), ("T", .int(now)), ("t", .int(trade?.tradeId ?? -1)),
            ("I", .int(order.orderId * 10 + Int64(order.fills.count))), ("w", .bool(order.status == "NEW")),
            ("m", .bool(trade != nil && order.type != "MARKET")), ("M", .bool(trade != nil)), ("O", .int(order.time)),
            ("Z", .string(order.quote.wire)), ("Y", .string(trade.map { ($0.quantity * $0.price).wire } ?? D.zero.wire)),
            ("Q", .string(D.zero.wire)), ("W", .int(order.time)), ("V", .string("EXPIRE_MAKER")),
        ])
    }
}
