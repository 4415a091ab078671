import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A stateful local Bybit v5 spot venue (unified account) for tests.
///
/// Speaks the REST endpoints the adapter uses (`/v5/market/time`, `instruments-info`, `kline`,
/// `/v5/order/create|cancel|realtime|history`, `/v5/account/wallet-balance`) with Bybit's envelope
/// `{"retCode","retMsg","result","retExtInfo","time"}`, and checks every private request the way Bybit
/// documents it: `X-BAPI-SIGN = hex(HMAC-SHA256(secret, timestamp + apiKey + recvWindow + payload))`
/// recomputed from the raw query string (GET) or the raw body bytes (POST); the window
/// `serverTime − recvWindow ≤ timestamp < serverTime + 1000` (else `10002`); unknown key `10003`;
/// bad signature `10004` (whose message, like Bybit's, quotes the signed string — key included).
///
/// Market orders fill at once at the price set with ``setPrice(_:_:)``; limit orders rest until
/// ``fill(clientOrderId:quantity:price:)``. Balances move with fills (fee ``feeRate``: in the base
/// coin on buys, the quote coin on sells), limit orders lock what they may spend. Faults for the next
/// place: ``Fault``.
public final class BybitTestServer: Sendable {
    /// One spot market's `lotSizeFilter` / `priceFilter`.
    public struct Instrument: Sendable, Hashable {
        public var symbol: String
        public var baseCoin: String
        public var quoteCoin: String
        public var basePrecision: String
        public var quotePrecision: String
        public var tickSize: String
        public var minOrderQty: String
        public var maxOrderQty: String
        public var minOrderAmt: String
        public var maxOrderAmt: String

        public init(
            symbol: String, baseCoin: String, quoteCoin: String, basePrecision: String, quotePrecision: String, tickSize: String,
            minOrderQty: String, maxOrderQty: String, minOrderAmt: String, maxOrderAmt: String
        ) {
            self.symbol = symbol
            self.baseCoin = baseCoin
            self.quoteCoin = quoteCoin
            self.basePrecision = basePrecision
            self.quotePrecision = quotePrecision
            self.tickSize = tickSize
            self.minOrderQty = minOrderQty
            self.maxOrderQty = maxOrderQty
            self.minOrderAmt = minOrderAmt
            self.maxOrderAmt = maxOrderAmt
        }

        /// BTCUSDT with the values Bybit's instruments-info example shows.
        public static let btcusdt = Instrument(
            symbol: "BTCUSDT", baseCoin: "BTC", quoteCoin: "USDT", basePrecision: "0.000001", quotePrecision: "0.00000001",
            tickSize: "0.01", minOrderQty: "0.000048", maxOrderQty: "71.73956243", minOrderAmt: "1", maxOrderAmt: "2000000")
    }

    /// A request as received.
    public struct ReceivedRequest: Sendable {
        public var method: String
        public var path: String
        /// The raw query string (no `?`).
        public var query: String
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: String

        /// A percent-decoded query parameter.
        public func queryValue(_ name: String) -> String? {
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.first.map(String.init) == name {
                    return parts.count > 1 ? String(parts[1]).removingPercentEncoding : ""
                }
            }
            return nil
        }

        /// The JSON body's fields as text (numbers and booleans as written).
        public var bodyFields: [String: String] { BybitTestServer.fields(body) }
    }

    /// What the next `POST /v5/order/create` does instead of (or besides) placing.
    public enum Fault: Sendable {
        /// HTTP 429 with `Retry-After`, nothing placed.
        case rateLimited(retryAfterSeconds: Int)
        /// The order is placed, and the answer comes only after `holdSeconds`.
        case timeoutButPlaced(holdSeconds: Double)
        /// An HTTP 5xx answer; `placed` says whether the order was placed anyway.
        case serverError(status: Int, placed: Bool)
        /// A `retCode` error answer, nothing placed.
        case reject(retCode: Int, retMsg: String)
    }

    /// A candle for `GET /v5/market/kline`.
    public struct Candle: Sendable {
        public var openTime: Int64
        public var open, high, low, close, volume: String
        public init(openTime: Int64, open: String, high: String, low: String, close: String, volume: String) {
            self.openTime = openTime
            self.open = open
            self.high = high
            self.low = low
            self.close = close
            self.volume = volume
        }
    }

    /// An order as the server holds it.
    public struct Order: Sendable {
        public var orderId: String
        public var orderLinkId: String
        public var symbol: String
        public var side: String
        public var orderType: String
        public var timeInForce: String
        /// Base-coin quantity.
        public var qty: Decimal
        /// `qty` as the client sent it (quote coin for a market buy without `marketUnit=baseCoin`).
        public var sentQty: String
        public var marketUnit: String
        public var price: Decimal?
        public var status: String
        public var cumExecQty: Decimal = 0
        public var cumExecValue: Decimal = 0
        public var cumExecFee: Decimal = 0
        public var createdTime: Int64
        public var updatedTime: Int64
        /// False after ``simulateRestart()`` for closed orders: only the history has them.
        var inRealtime = true

        public var isOpen: Bool { status == "New" || status == "PartiallyFilled" }
        public var leavesQty: Decimal { isOpen ? qty - cumExecQty : 0 }
    }

    struct State {
        var instruments: [String: Instrument] = [:]
        var prices: [String: Decimal] = [:]
        var wallet: [String: Decimal] = [:]
        var locked: [String: Decimal] = [:]
        var orders: [Order] = []
        var nextOrderId = 1_000_000
        var faults: [Fault] = []
        var requests: [ReceivedRequest] = []
        var clockOffset: Int64 = 0
        var candles: [String: [Candle]] = [:]
    }

    public let apiKey: String
    let secret: String
    /// Taker fee rate charged on every fill.
    public let feeRate: Decimal
    let state: Mutex<State>
    /// The private-stream connections (``run(_:)``).
    let hub = StreamHub()

    /// - Parameters:
    ///   - balances: wallet balance per coin, decimal text (`["USDT": "10000"]`).
    ///   - prices: the price market orders fill at, per venue symbol.
    public init(
        apiKey: String, secret: String, balances: [String: String], instruments: [Instrument] = [.btcusdt],
        prices: [String: String] = ["BTCUSDT": "30000"], feeRate: String = "0.001"
    ) {
        self.apiKey = apiKey
        self.secret = secret
        self.feeRate = Decimal(string: feeRate) ?? 0
        var initial = State()
        for instrument in instruments { initial.instruments[instrument.symbol] = instrument }
        for (coin, amount) in balances { initial.wallet[coin] = Decimal(string: amount) ?? 0 }
        for (symbol, price) in prices { initial.prices[symbol] = Decimal(string: price) }
        state = Mutex(initial)
    }

    // MARK: Hooks

    /// Every request received, in order.
    public var requests: [ReceivedRequest] { state.withLock { $0.requests } }

    /// The requests to `path`, in order.
    public func requests(path: String, method: String? = nil) -> [ReceivedRequest] {
        requests.filter { $0.path == path && (method == nil || $0.method == method) }
    }

    /// The price market orders on `symbol` fill at.
    public func setPrice(_ symbol: String, _ price: String) {
        state.withLock { $0.prices[symbol] = Decimal(string: price) }
    }

    /// Replaces (or adds) a market's filters, e.g. to make the venue stricter than what the client loaded.
    public func setInstrument(_ instrument: Instrument) {
        state.withLock { $0.instruments[instrument.symbol] = instrument }
    }

    /// Sets a coin's wallet balance.
    public func setBalance(_ coin: String, _ amount: String) {
        state.withLock { $0.wallet[coin] = Decimal(string: amount) ?? 0 }
    }

    /// Wallet balance and the part locked by open orders.
    public func balance(_ coin: String) -> (wallet: Decimal, locked: Decimal) {
        state.withLock { ($0.wallet[coin] ?? 0, $0.locked[coin] ?? 0) }
    }

    /// Moves the server's clock by `milliseconds` relative to real time.
    public func setClockOffset(milliseconds: Int64) {
        state.withLock { $0.clockOffset = milliseconds }
    }

    /// Queues a fault for the next place request (faults are used in order).
    public func failNextPlace(_ fault: Fault) {
        state.withLock { $0.faults.append(fault) }
    }

    /// Candles served for `symbol`; without any, flat candles at the current price are made up.
    public func setCandles(_ symbol: String, _ candles: [Candle]) {
        state.withLock { $0.candles[symbol] = candles }
    }

    /// The order with this `orderLinkId`.
    public func order(clientOrderId: String) -> Order? {
        state.withLock { state in state.orders.last { $0.orderLinkId == clientOrderId } }
    }

    /// Closed orders drop out of `/v5/order/realtime` (as after a Bybit restart); history keeps them.
    public func simulateRestart() {
        state.withLock { state in
            for index in state.orders.indices where !state.orders[index].isOpen { state.orders[index].inRealtime = false }
        }
    }

    /// Fills `quantity` of a resting limit order at `price`. False when there is no such open order
    /// or the quantity exceeds what is left.
    @discardableResult
    public func fill(clientOrderId: String, quantity: String, price: String) -> Bool {
        guard let quantity = Decimal(string: quantity), let price = Decimal(string: price), quantity > 0 else { return false }
        let filled = state.withLock { state -> Order? in
            guard let index = state.orders.lastIndex(where: { $0.orderLinkId == clientOrderId && $0.isOpen }),
                quantity <= state.orders[index].leavesQty
            else { return nil }
            Self.execute(&state, index: index, quantity: quantity, price: price, feeRate: feeRate, now: now(state))
            return state.orders[index]
        }
        guard let filled else { return false }
        publish(filled)
        return true
    }

    // MARK: Routing

    /// The REST endpoints, for `withLocalServer(router:_:)` (no private stream). ``run(_:)`` serves
    /// both.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router)
        return router
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        for path in ["/v5/market/time", "/v5/market/instruments-info", "/v5/market/kline", "/v5/order/realtime", "/v5/order/history",
            "/v5/account/wallet-balance"]
        {
            router.get(RouterPath(path)) { [self] request, _ in await self.handle(request) }
        }
        for path in ["/v5/order/create", "/v5/order/cancel"] {
            router.post(RouterPath(path)) { [self] request, _ in await self.handle(request) }
        }
    }

    func now(_ state: State) -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) + state.clockOffset }

    func handle(_ request: Request) async -> Response {
        let body = (try? await request.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let received = ReceivedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers, body: body)
        state.withLock { $0.requests.append(received) }
        switch received.path {
        case "/v5/market/time":
            let now = state.withLock { self.now($0) }
            return Self.ok(#"{"timeSecond":"\#(now / 1000)","timeNano":"\#(now * 1_000_000)"}"#, time: now)
        case "/v5/market/instruments-info":
            return instruments(received)
        case "/v5/market/kline":
            return klines(received)
        default:
            break
        }
        if let failure = authenticate(received) { return failure }
        switch received.path {
        case "/v5/order/create": return await create(received)
        case "/v5/order/cancel": return cancel(received)
        case "/v5/order/realtime": return orders(received, history: false)
        case "/v5/order/history": return orders(received, history: true)
        case "/v5/account/wallet-balance": return wallet(received)
        default: return Self.error(10017, "Route not found")
        }
    }

    /// Bybit's documented check, from the raw bytes received.
    func authenticate(_ request: ReceivedRequest) -> Response? {
        guard let key = request.headers["x-bapi-api-key"], key == apiKey else { return Self.error(10003, "API key is invalid.") }
        guard let timestampText = request.headers["x-bapi-timestamp"], let timestamp = Int64(timestampText) else {
            return Self.error(10002, "invalid request, please check your timestamp")
        }
        let recvText = request.headers["x-bapi-recv-window"] ?? ""
        let recvWindow = recvText.isEmpty ? 5000 : (Int64(recvText) ?? -1)
        let now = state.withLock { self.now($0) }
        guard recvWindow >= 0, now - recvWindow <= timestamp, timestamp < now + 1000 else {
            return Self.error(10002, "invalid request, please check your server timestamp or recv_window param. req_timestamp[\(timestamp)],server_timestamp[\(now)],recv_window[\(recvWindow)]")
        }
        let payload = request.method == "GET" ? request.query : request.body
        let origin = timestampText + key + recvText + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Data(origin.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let expected = mac.map { String(format: "%02x", $0) }.joined()
        guard request.headers["x-bapi-sign"] == expected else {
            return Self.error(10004, "error sign! origin_string[\(origin)]")
        }
        return nil
    }

    // MARK: Public endpoints

    func instruments(_ request: ReceivedRequest) -> Response {
        guard request.queryValue("category") == "spot" else { return Self.error(10001, "params error: category") }
        let wanted = request.queryValue("symbol")
        let list = state.withLock { state in state.instruments.values.filter { wanted == nil || $0.symbol == wanted }.sorted { $0.symbol < $1.symbol } }
        if let wanted, list.isEmpty { return Self.error(10001, "Not supported symbols: \(wanted)") }
        let items = list.map { i in
            #"{"symbol":"\#(i.symbol)","baseCoin":"\#(i.baseCoin)","quoteCoin":"\#(i.quoteCoin)","innovation":"0","status":"Trading","marginTrading":"utaOnly","lotSizeFilter":{"basePrecision":"\#(i.basePrecision)","quotePrecision":"\#(i.quotePrecision)","minOrderQty":"\#(i.minOrderQty)","maxOrderQty":"\#(i.maxOrderQty)","minOrderAmt":"\#(i.minOrderAmt)","maxOrderAmt":"\#(i.maxOrderAmt)"},"priceFilter":{"tickSize":"\#(i.tickSize)"}}"#
        }
        return Self.ok(#"{"category":"spot","list":[\#(items.joined(separator: ","))],"nextPageCursor":""}"#)
    }

    static func intervalMilliseconds(_ interval: String) -> Int64? {
        switch interval {
        case "D": 86_400_000
        case "W": 7 * 86_400_000
        case "M": 30 * 86_400_000
        default: Int64(interval).flatMap { [1, 3, 5, 15, 30, 60, 120, 240, 360, 720].contains($0) ? $0 * 60_000 : nil }
        }
    }

    func klines(_ request: ReceivedRequest) -> Response {
        guard request.queryValue("category") == "spot", let symbol = request.queryValue("symbol"),
            let step = request.queryValue("interval").flatMap(Self.intervalMilliseconds)
        else { return Self.error(10001, "params error") }
        let limit = min(1000, max(1, request.queryValue("limit").flatMap { Int($0) } ?? 200))
        let (stored, price, known) = state.withLock { ($0.candles[symbol], $0.prices[symbol], $0.instruments[symbol] != nil) }
        guard known else { return Self.error(10001, "Not supported symbols") }
        let end = request.queryValue("end").flatMap { Int64($0) } ?? state.withLock { now($0) }
        let start = request.queryValue("start").flatMap { Int64($0) } ?? (end - Int64(limit) * step)
        var candles: [Candle]
        if let stored {
            candles = stored.filter { $0.openTime >= start && $0.openTime <= end }
        } else {
            let text = price.map { "\($0)" } ?? "100"
            let first = (start + step - 1) / step * step
            candles = stride(from: first, through: end, by: Int(step)).map {
                Candle(openTime: Int64($0), open: text, high: text, low: text, close: text, volume: "1")
            }
        }
        candles.sort { $0.openTime > $1.openTime }
        let rows = candles.prefix(limit).map { c in
            #"["\#(c.openTime)","\#(c.open)","\#(c.high)","\#(c.low)","\#(c.close)","\#(c.volume)","0"]"#
        }
        return Self.ok(#"{"symbol":"\#(symbol)","category":"spot","list":[\#(rows.joined(separator: ","))]}"#)
    }

    // MARK: Orders

    func create(_ request: ReceivedRequest) async -> Response {
        let fault = state.withLock { state in state.faults.isEmpty ? nil : state.faults.removeFirst() }
        switch fault {
        case .rateLimited(let seconds):
            return Self.response(
                status: 429, #"{"retCode":10006,"retMsg":"Too many visits!","result":{},"retExtInfo":{},"time":\#(state.withLock { now($0) })}"#,
                headers: ["Retry-After": String(seconds)])
        case .reject(let code, let message):
            return Self.error(code, message)
        case .serverError(let status, let placed):
            if placed { _ = place(request) }
            return Self.response(status: status, #"{"retCode":10016,"retMsg":"Internal System Error."}"#)
        case .timeoutButPlaced(let hold):
            let answer = place(request)
            try? await Task.sleep(for: .milliseconds(Int64(hold * 1000)))
            return answer
        case nil:
            return place(request)
        }
    }

    func place(_ request: ReceivedRequest) -> Response {
        let fields = request.bodyFields
        guard fields["category"] == "spot" else { return Self.error(10001, "params error: category") }
        guard let symbol = fields["symbol"] else { return Self.error(10001, "params error: symbol") }
        let side = fields["side"] ?? ""
        let orderType = fields["orderType"] ?? ""
        guard side == "Buy" || side == "Sell" else { return Self.error(10001, "params error: side invalid") }
        guard orderType == "Market" || orderType == "Limit" else { return Self.error(10001, "params error: orderType invalid") }
        guard let qtyText = fields["qty"], let qty = Self.decimal(qtyText), qty > 0 else { return Self.error(10001, "params error: qty") }
        let link = fields["orderLinkId"] ?? ""
        guard link.count <= 36, link.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return Self.error(10001, "params error: orderLinkId")
        }
        let marketUnit = fields["marketUnit"] ?? ""
        let timeInForce = fields["timeInForce"] ?? (orderType == "Market" ? "IOC" : "GTC")
        var changed: Order?
        defer { if let changed { publish(changed) } }
        return state.withLock { state -> Response in
            let now = self.now(state)
            guard let instrument = state.instruments[symbol] else { return Self.error(170121, "Invalid symbol.") }
            let step = Self.decimal(instrument.basePrecision) ?? 0
            let tick = Self.decimal(instrument.tickSize) ?? 0
            var price: Decimal?
            if orderType == "Limit" {
                guard let text = fields["price"], let value = Self.decimal(text), value > 0 else { return Self.error(10001, "Missing price") }
                guard Self.isMultiple(value, of: tick) else { return Self.error(170134, "Order price decimal too long.") }
                price = value
            }
            // A spot market buy's qty is in the quote coin unless marketUnit says baseCoin.
            let quoteSized = orderType == "Market" && (marketUnit == "quoteCoin" || (side == "Buy" && marketUnit != "baseCoin"))
            guard let fillPrice = price ?? state.prices[symbol], fillPrice > 0 else { return Self.error(170131, "Insufficient liquidity.") }
            var baseQty = qty
            if quoteSized {
                guard Self.isMultiple(qty, of: Self.decimal(instrument.quotePrecision) ?? 0) else {
                    return Self.error(170148, "Market order amount decimal too long")
                }
                baseQty = Self.floor(qty / fillPrice, step: step)
            } else {
                guard Self.isMultiple(qty, of: step) else { return Self.error(170137, "Order volume decimal too long") }
            }
            if let min = Self.decimal(instrument.minOrderQty), baseQty < min { return Self.error(170136, "Order quantity lower than the minimum.") }
            if let max = Self.decimal(instrument.maxOrderQty), baseQty > max { return Self.error(170135, "Order quantity exceeded upper limit.") }
            let notional = baseQty * fillPrice
            if let min = Self.decimal(instrument.minOrderAmt), notional < min { return Self.error(170140, "Order value exceeded lower limit") }
            if let max = Self.decimal(instrument.maxOrderAmt), notional > max { return Self.error(170133, "Order value exceeded upper limit") }
            if !link.isEmpty, state.orders.contains(where: { $0.orderLinkId == link }) {
                return Self.error(170141, "Duplicate clientOrderId")
            }
            // Balance: a buy spends quote, a sell the base coin.
            let spendCoin = side == "Buy" ? instrument.quoteCoin : instrument.baseCoin
            let spend = side == "Buy" ? notional : baseQty
            let available = (state.wallet[spendCoin] ?? 0) - (state.locked[spendCoin] ?? 0)
            guard spend <= available else { return Self.error(170131, "Insufficient balance.") }
            state.nextOrderId += 1
            let order = Order(
                orderId: String(state.nextOrderId), orderLinkId: link.isEmpty ? "auto\(state.nextOrderId)" : link, symbol: symbol,
                side: side, orderType: orderType, timeInForce: timeInForce, qty: baseQty, sentQty: qtyText, marketUnit: marketUnit,
                price: price, status: "New", createdTime: now, updatedTime: now)
            state.orders.append(order)
            let index = state.orders.count - 1
            if orderType == "Market" {
                Self.execute(&state, index: index, quantity: baseQty, price: fillPrice, feeRate: feeRate, now: now)
            } else if timeInForce == "IOC" || timeInForce == "FOK" {
                state.orders[index].status = "Cancelled"  // nothing to match against here
            } else {
                state.locked[spendCoin, default: 0] += spend
            }
            changed = state.orders[index]
            return Self.ok(#"{"orderId":"\#(order.orderId)","orderLinkId":"\#(order.orderLinkId)"}"#, time: now)
        }
    }

    /// Fills part of order `index` at `price`, moving balances and the fee.
    static func execute(_ state: inout State, index: Int, quantity: Decimal, price: Decimal, feeRate: Decimal, now: Int64) {
        var order = state.orders[index]
        guard let instrument = state.instruments[order.symbol] else { return }
        let base = instrument.baseCoin
        let quote = instrument.quoteCoin
        let value = quantity * price
        if order.side == "Buy" {
            let fee = quantity * feeRate
            if let limit = order.price { state.locked[quote, default: 0] -= quantity * limit }
            state.wallet[quote, default: 0] -= value
            state.wallet[base, default: 0] += quantity - fee
            order.cumExecFee += fee
        } else {
            let fee = value * feeRate
            if order.price != nil { state.locked[base, default: 0] -= quantity }
            state.wallet[base, default: 0] -= quantity
            state.wallet[quote, default: 0] += value - fee
            order.cumExecFee += fee
        }
        order.cumExecQty += quantity
        order.cumExecValue += value
        order.status = order.cumExecQty >= order.qty ? "Filled" : "PartiallyFilled"
        order.updatedTime = now
        state.orders[index] = order
    }

    func cancel(_ request: ReceivedRequest) -> Response {
        let fields = request.bodyFields
        guard fields["category"] == "spot" else { return Self.error(10001, "params error: category") }
        var changed: Order?
        defer { if let changed { publish(changed) } }
        return state.withLock { state -> Response in
            let now = self.now(state)
            guard let index = state.orders.lastIndex(where: {
                $0.symbol == fields["symbol"] && (($0.orderLinkId == fields["orderLinkId"]) || ($0.orderId == fields["orderId"]))
            }), state.orders[index].isOpen, let instrument = state.instruments[state.orders[index].symbol]
            else { return Self.error(170213, "Order does not exist.") }
            var order = state.orders[index]
            let leaves = order.leavesQty
            if order.side == "Buy", let limit = order.price {
                state.locked[instrument.quoteCoin, default: 0] -= leaves * limit
            } else if order.side == "Sell" {
                state.locked[instrument.baseCoin, default: 0] -= leaves
            }
            order.status = order.cumExecQty > 0 ? "PartiallyFilledCanceled" : "Cancelled"
            order.updatedTime = now
            state.orders[index] = order
            changed = order
            return Self.ok(#"{"orderId":"\#(order.orderId)","orderLinkId":"\#(order.orderLinkId)"}"#, time: now)
        }
    }

    func orders(_ request: ReceivedRequest, history: Bool) -> Response {
        guard request.queryValue("category") == "spot" else { return Self.error(10001, "params error: category") }
        let symbol = request.queryValue("symbol")
        let link = request.queryValue("orderLinkId")
        let orderId = request.queryValue("orderId")
        let openOnly = request.queryValue("openOnly") ?? "0"
        let limit = min(50, max(1, request.queryValue("limit").flatMap { Int($0) } ?? 20))
        let offset = request.queryValue("cursor").flatMap { Int($0) } ?? 0
        let selected: [Order] = state.withLock { state in
            state.orders.reversed().filter { order in
                if let orderId, !orderId.isEmpty { return order.orderId == orderId && (history || order.inRealtime) }
                if let link, !link.isEmpty { return order.orderLinkId == link && (history || order.inRealtime) }
                if let symbol, order.symbol != symbol { return false }
                if history { return !order.isOpen }
                return openOnly == "0" ? order.isOpen : (!order.isOpen && order.inRealtime)
            }
        }
        let page = Array(selected.dropFirst(offset).prefix(limit))
        let next = offset + page.count < selected.count ? String(offset + page.count) : ""
        let items = page.map(Self.json(order:))
        return Self.ok(#"{"category":"spot","list":[\#(items.joined(separator: ","))],"nextPageCursor":"\#(next)"}"#)
    }

    /// The order as `/v5/order/realtime` (and the `order` topic) shows it.
    public static func json(order o: Order) -> String {
        let average = o.cumExecQty > 0 ? "\(o.cumExecValue / o.cumExecQty)" : ""
        let leavesValue = o.price.map { "\(o.leavesQty * $0)" } ?? "0"
        return #"{"orderId":"\#(o.orderId)","orderLinkId":"\#(o.orderLinkId)","blockTradeId":"","symbol":"\#(o.symbol)","price":"\#(o.price.map { "\($0)" } ?? "0")","qty":"\#(o.orderType == "Market" ? o.sentQty : "\(o.qty)")","side":"\#(o.side)","isLeverage":"0","positionIdx":0,"orderStatus":"\#(o.status)","cancelType":"\#(o.status.contains("Cancel") ? "CancelByUser" : "UNKNOWN")","rejectReason":"EC_NoError","avgPrice":"\#(average)","leavesQty":"\#(o.leavesQty)","leavesValue":"\#(leavesValue)","cumExecQty":"\#(o.cumExecQty)","cumExecValue":"\#(o.cumExecValue)","cumExecFee":"\#(o.cumExecFee)","timeInForce":"\#(o.timeInForce)","orderType":"\#(o.orderType)","stopOrderType":"","orderIv":"","marketUnit":"\#(o.marketUnit)","triggerPrice":"0","takeProfit":"0","stopLoss":"0","reduceOnly":false,"closeOnTrigger":false,"smpType":"None","smpGroup":0,"smpOrderId":"","category":"spot","createdTime":"\#(o.createdTime)","updatedTime":"\#(o.updatedTime)"}"#
    }

    func wallet(_ request: ReceivedRequest) -> Response {
        guard request.queryValue("accountType") == "UNIFIED" else { return Self.error(10001, "accountType only support UNIFIED.") }
        let wanted = request.queryValue("coin").map { Set($0.split(separator: ",").map(String.init)) }
        let coins: [String] = state.withLock { state in
            let names = Set(state.wallet.keys).union(state.locked.keys).sorted()
            return names.compactMap { coin in
                let total = state.wallet[coin] ?? 0
                let locked = state.locked[coin] ?? 0
                if let wanted, !wanted.contains(coin) { return nil }
                if wanted == nil, total == 0, locked == 0 { return nil }
                return #"{"coin":"\#(coin)","equity":"\#(total)","usdValue":"0","walletBalance":"\#(total)","free":"","locked":"\#(locked)","spotHedgingQty":"0","borrowAmount":"0","availableToWithdraw":"","accruedInterest":"0","totalOrderIM":"0","totalPositionIM":"0","totalPositionMM":"0","unrealisedPnl":"0","cumRealisedPnl":"0","bonus":"0","marginCollateral":true,"collateralSwitch":true}"#
            }
        }
        return Self.ok(#"{"list":[{"accountType":"UNIFIED","totalEquity":"0","totalWalletBalance":"0","totalMarginBalance":"0","totalAvailableBalance":"0","coin":[\#(coins.joined(separator: ","))]}]}"#)
    }

    // MARK: Helpers

    static func decimal(_ text: String) -> Decimal? {
        var seenDigit = false
        var seenPoint = false
        for character in text {
            if character.isASCII, character.isNumber { seenDigit = true } else if character == ".", !seenPoint { seenPoint = true } else { return nil }
        }
        return seenDigit ? Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) : nil
    }

    static func isMultiple(_ value: Decimal, of step: Decimal) -> Bool {
        guard step > 0 else { return true }
        var units = value / step
        var rounded = Decimal()
        NSDecimalRound(&rounded, &units, 0, .down)
        return rounded == units
    }

    static func floor(_ value: Decimal, step: Decimal) -> Decimal {
        guard step > 0 else { return value }
        var units = value / step
        var rounded = Decimal()
        NSDecimalRound(&rounded, &units, 0, .down)
        return rounded * step
    }

    /// The top-level fields of a JSON object body, values as text.
    static func fields(_ body: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String { out[key] = text } else if let number = value as? NSNumber { out[key] = number.stringValue } else { out[key] = "\(value)" }
        }
        return out
    }

    static func ok(_ result: String, time: Int64? = nil) -> Response {
        let time = time ?? Int64(Date().timeIntervalSince1970 * 1000)
        return response(status: 200, #"{"retCode":0,"retMsg":"OK","result":\#(result),"retExtInfo":{},"time":\#(time)}"#)
    }

    static func error(_ code: Int, _ message: String) -> Response {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return response(
            status: 200,
            #"{"retCode":\#(code),"retMsg":"\#(escaped)","result":{},"retExtInfo":{},"time":\#(Int64(Date().timeIntervalSince1970 * 1000))}"#)
    }

    static func response(status: Int, _ body: String, headers: [String: String] = [:]) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
