import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A stateful local OKX v5 spot venue (cash trading) for tests.
///
/// Speaks `/api/v5/public/time|instruments`, `/api/v5/market/candles|history-candles`,
/// `/api/v5/trade/order` (POST place, GET query), `/api/v5/trade/cancel-order`,
/// `/api/v5/trade/orders-pending` and `/api/v5/account/balance` with OKX's envelope
/// `{"code","msg","data"}` (order operations: `code` "1" and the reason in the item's `sCode`/`sMsg`).
///
/// Every private request is checked as OKX documents it, from the raw bytes received:
/// `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath(+?query) + body))`;
/// the ISO timestamp within 30 s of the server clock (`50102`, unparsable `50112`); unknown key
/// `50111`; wrong passphrase `50105`; bad signature `50113`; and `x-simulated-trading: 1` must match
/// the key's environment (`50101`). Auth failures answer HTTP 401.
///
/// Market orders fill at once at ``setPrice(_:_:)``; limit orders rest until
/// ``fill(clientOrderId:quantity:price:)``. Balances move with fills (fee ``feeRate``: base
/// currency on buys, quote on sells; reported negative as OKX does).
public final class OKXTestServer: Sendable {
    /// One spot instrument's filters.
    public struct Instrument: Sendable, Hashable {
        public var instId: String
        public var baseCcy: String
        public var quoteCcy: String
        public var tickSz: String
        public var lotSz: String
        public var minSz: String
        public var maxLmtSz: String
        public var maxMktSz: String

        public init(instId: String, baseCcy: String, quoteCcy: String, tickSz: String, lotSz: String, minSz: String, maxLmtSz: String, maxMktSz: String) {
            self.instId = instId
            self.baseCcy = baseCcy
            self.quoteCcy = quoteCcy
            self.tickSz = tickSz
            self.lotSz = lotSz
            self.minSz = minSz
            self.maxLmtSz = maxLmtSz
            self.maxMktSz = maxMktSz
        }

        /// BTC-USDT with OKX's published filters.
        public static let btcusdt = Instrument(
            instId: "BTC-USDT", baseCcy: "BTC", quoteCcy: "USDT", tickSz: "0.1", lotSz: "0.00000001", minSz: "0.00001",
            maxLmtSz: "9999999999", maxMktSz: "1000000")
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

        public func queryValue(_ name: String) -> String? {
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.first.map(String.init) == name {
                    return parts.count > 1 ? String(parts[1]).removingPercentEncoding : ""
                }
            }
            return nil
        }

        /// The JSON body's fields as text.
        public var bodyFields: [String: String] { OKXTestServer.fields(body) }
    }

    /// What the next `POST /api/v5/trade/order` does instead of (or besides) placing.
    public enum Fault: Sendable {
        /// HTTP 429 `50011` with `Retry-After`, nothing placed.
        case rateLimited(retryAfterSeconds: Int)
        /// The order is placed, and the answer comes only after `holdSeconds`.
        case timeoutButPlaced(holdSeconds: Double)
        /// An HTTP 5xx answer; `placed` says whether the order was placed anyway.
        case serverError(status: Int, placed: Bool)
        /// `code` "1" with this `sCode`/`sMsg`, nothing placed (e.g. `51149` order timed out).
        case reject(sCode: String, sMsg: String)
    }

    /// A candle for the candles endpoints.
    public struct Candle: Sendable {
        public var ts: Int64
        public var open, high, low, close, volume: String
        public var confirmed: Bool
        public init(ts: Int64, open: String, high: String, low: String, close: String, volume: String, confirmed: Bool = true) {
            self.ts = ts
            self.open = open
            self.high = high
            self.low = low
            self.close = close
            self.volume = volume
            self.confirmed = confirmed
        }
    }

    /// An order as the server holds it.
    public struct Order: Sendable {
        public var ordId: String
        public var clOrdId: String
        public var instId: String
        public var side: String
        public var ordType: String
        /// Base-currency size.
        public var size: Decimal
        /// `sz` as sent (quote currency for a market buy without `tgtCcy=base_ccy`).
        public var sentSize: String
        public var tgtCcy: String
        public var px: Decimal?
        public var state: String
        public var accFillSz: Decimal = 0
        public var fillValue: Decimal = 0
        /// Positive amount charged; sent negated.
        public var fee: Decimal = 0
        public var lastFillPx: Decimal?
        public var lastFillSz: Decimal?
        public var cTime: Int64
        public var uTime: Int64

        public var isOpen: Bool { state == "live" || state == "partially_filled" }
        public var leaves: Decimal { isOpen ? size - accFillSz : 0 }
    }

    struct State {
        var instruments: [String: Instrument] = [:]
        var prices: [String: Decimal] = [:]
        var balances: [String: Decimal] = [:]
        var frozen: [String: Decimal] = [:]
        var orders: [Order] = []
        var nextOrderId: Int64 = 600_000_000_000
        var faults: [Fault] = []
        var requests: [ReceivedRequest] = []
        var clockOffset: Int64 = 0
        var candles: [String: [Candle]] = [:]
    }

    public let apiKey: String
    let secret: String
    let passphrase: String
    /// True: the key is a demo-trading key (requests must carry `x-simulated-trading: 1`).
    public let demo: Bool
    public let feeRate: Decimal
    let state: Mutex<State>
    /// The private-stream connections (``run(_:)``).
    let hub = StreamHub()

    /// - Parameters:
    ///   - balances: cash balance per currency, decimal text.
    ///   - demo: whether the key belongs to demo trading.
    public init(
        apiKey: String, secret: String, passphrase: String, demo: Bool = false, balances: [String: String],
        instruments: [Instrument] = [.btcusdt], prices: [String: String] = ["BTC-USDT": "30000"], feeRate: String = "0.001"
    ) {
        self.apiKey = apiKey
        self.secret = secret
        self.passphrase = passphrase
        self.demo = demo
        self.feeRate = Decimal(string: feeRate) ?? 0
        var initial = State()
        for instrument in instruments { initial.instruments[instrument.instId] = instrument }
        for (ccy, amount) in balances { initial.balances[ccy] = Decimal(string: amount) ?? 0 }
        for (instId, price) in prices { initial.prices[instId] = Decimal(string: price) }
        state = Mutex(initial)
    }

    // MARK: Hooks

    public var requests: [ReceivedRequest] { state.withLock { $0.requests } }

    public func requests(path: String, method: String? = nil) -> [ReceivedRequest] {
        requests.filter { $0.path == path && (method == nil || $0.method == method) }
    }

    public func setPrice(_ instId: String, _ price: String) {
        state.withLock { $0.prices[instId] = Decimal(string: price) }
    }

    public func setInstrument(_ instrument: Instrument) {
        state.withLock { $0.instruments[instrument.instId] = instrument }
    }

    public func setBalance(_ ccy: String, _ amount: String) {
        state.withLock { $0.balances[ccy] = Decimal(string: amount) ?? 0 }
    }

    /// Cash balance and the part frozen by open orders.
    public func balance(_ ccy: String) -> (cash: Decimal, frozen: Decimal) {
        state.withLock { ($0.balances[ccy] ?? 0, $0.frozen[ccy] ?? 0) }
    }

    public func setClockOffset(milliseconds: Int64) {
        state.withLock { $0.clockOffset = milliseconds }
    }

    public func failNextPlace(_ fault: Fault) {
        state.withLock { $0.faults.append(fault) }
    }

    public func setCandles(_ instId: String, _ candles: [Candle]) {
        state.withLock { $0.candles[instId] = candles }
    }

    public func order(clientOrderId: String) -> Order? {
        state.withLock { state in state.orders.last { $0.clOrdId == clientOrderId } }
    }

    /// Fills `quantity` of a resting limit order at `price`; false when there is no such open
    /// order or the quantity exceeds what is left.
    @discardableResult
    public func fill(clientOrderId: String, quantity: String, price: String) -> Bool {
        guard let quantity = Decimal(string: quantity), let price = Decimal(string: price), quantity > 0 else { return false }
        let filled = state.withLock { state -> Order? in
            guard let index = state.orders.lastIndex(where: { $0.clOrdId == clientOrderId && $0.isOpen }), quantity <= state.orders[index].leaves
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
        for path in ["/api/v5/public/time", "/api/v5/public/instruments", "/api/v5/market/candles", "/api/v5/market/history-candles",
            "/api/v5/trade/order", "/api/v5/trade/orders-pending", "/api/v5/account/balance"]
        {
            router.get(RouterPath(path)) { [self] request, _ in await self.handle(request) }
        }
        for path in ["/api/v5/trade/order", "/api/v5/trade/cancel-order"] {
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
        case "/api/v5/public/time":
            return Self.ok(#"[{"ts":"\#(state.withLock { self.now($0) })"}]"#)
        case "/api/v5/public/instruments":
            return instruments(received)
        case "/api/v5/market/candles", "/api/v5/market/history-candles":
            return candles(received)
        default:
            break
        }
        if let failure = authenticate(received) { return failure }
        switch (received.method, received.path) {
        case ("POST", "/api/v5/trade/order"): return await create(received)
        case ("GET", "/api/v5/trade/order"): return query(received)
        case ("POST", "/api/v5/trade/cancel-order"): return cancel(received)
        case ("GET", "/api/v5/trade/orders-pending"): return pending(received)
        case ("GET", "/api/v5/account/balance"): return balances(received)
        default: return Self.error(status: 404, "50000", "Not found")
        }
    }

    /// OKX's documented checks, from the raw bytes received.
    func authenticate(_ request: ReceivedRequest) -> Response? {
        guard let key = request.headers["ok-access-key"], !key.isEmpty else { return Self.error(status: 401, "50103", "Request header \"OK-ACCESS-KEY\" cannot be empty.") }
        guard key == apiKey else { return Self.error(status: 401, "50111", "Invalid OK-ACCESS-KEY.") }
        guard let stamp = request.headers["ok-access-timestamp"], !stamp.isEmpty else {
            return Self.error(status: 401, "50107", "Request header \"OK-ACCESS-TIMESTAMP\" cannot be empty.")
        }
        guard let milliseconds = Self.parseISO(stamp) else { return Self.error(status: 401, "50112", "Invalid OK-ACCESS-TIMESTAMP.") }
        let now = state.withLock { self.now($0) }
        guard abs(now - milliseconds) <= 30_000 else { return Self.error(status: 401, "50102", "Timestamp request expired.") }
        let simulated = request.headers["x-simulated-trading"] == "1"
        guard simulated == demo else { return Self.error(status: 401, "50101", "APIKey does not match current environment.") }
        guard request.headers["ok-access-passphrase"] == passphrase else { return Self.error(status: 401, "50105", "Invalid OK-ACCESS-PASSPHRASE.") }
        let requestPath = request.query.isEmpty ? request.path : request.path + "?" + request.query
        let prehash = stamp + request.method.uppercased() + requestPath + (request.method == "GET" ? "" : request.body)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(prehash.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        guard request.headers["ok-access-sign"] == Data(mac).base64EncodedString() else {
            return Self.error(status: 401, "50113", "Invalid Sign")
        }
        return nil
    }

    /// `2020-12-08T09:08:57.715Z` → ms since the epoch (days from civil, computed here independently).
    static func parseISO(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? { Int64(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), let millisecond = number(20..<23),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var components = DateComponents()
        components.year = Int(year)
        components.month = Int(month)
        components.day = Int(day)
        components.hour = Int(hour)
        components.minute = Int(minute)
        components.second = Int(second)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return nil }
        return Int64(date.timeIntervalSince1970) * 1000 + millisecond
    }

    // MARK: Public endpoints

    func instruments(_ request: ReceivedRequest) -> Response {
        guard request.queryValue("instType") == "SPOT" else { return Self.error(status: 400, "51000", "Parameter instType error") }
        let wanted = request.queryValue("instId")
        let list = state.withLock { state in state.instruments.values.filter { wanted == nil || $0.instId == wanted }.sorted { $0.instId < $1.instId } }
        if wanted != nil, list.isEmpty { return Self.error(status: 200, "51001", "Instrument ID does not exist") }
        let items = list.map { i in
            #"{"instType":"SPOT","instId":"\#(i.instId)","uly":"","instFamily":"","baseCcy":"\#(i.baseCcy)","quoteCcy":"\#(i.quoteCcy)","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","optType":"","stk":"","listTime":"1606468572000","expTime":"","lever":"10","tickSz":"\#(i.tickSz)","lotSz":"\#(i.lotSz)","minSz":"\#(i.minSz)","ctType":"","alias":"","state":"live","maxLmtSz":"\#(i.maxLmtSz)","maxMktSz":"\#(i.maxMktSz)","maxLmtAmt":"20000000","maxMktAmt":"1000000","maxTwapSz":"","maxIcebergSz":"","maxTriggerSz":"","maxStopSz":""}"#
        }
        return Self.ok("[\(items.joined(separator: ","))]")
    }

    static func barMilliseconds(_ bar: String) -> Int64? {
        switch bar.replacingOccurrences(of: "utc", with: "") {
        case "1m": 60_000
        case "3m": 180_000
        case "5m": 300_000
        case "15m": 900_000
        case "30m": 1_800_000
        case "1H": 3_600_000
        case "2H": 7_200_000
        case "4H": 14_400_000
        case "6H": 21_600_000
        case "12H": 43_200_000
        case "1D": 86_400_000
        case "3D": 259_200_000
        case "1W": 604_800_000
        case "1M": 2_592_000_000
        default: nil
        }
    }

    /// `after` = older than, `before` = newer than (both exclusive), newest first, `limit` ≤ 100
    /// (`candles` ≤ 300).
    func candles(_ request: ReceivedRequest) -> Response {
        guard let instId = request.queryValue("instId") else { return Self.error(status: 400, "50014", "Parameter instId can not be empty") }
        guard let step = Self.barMilliseconds(request.queryValue("bar") ?? "1m") else { return Self.error(status: 400, "51000", "Parameter bar error") }
        let maximum = request.path.hasSuffix("history-candles") ? 100 : 300
        let limit = min(maximum, max(1, request.queryValue("limit").flatMap { Int($0) } ?? 100))
        let (stored, price, known, now) = state.withLock { ($0.candles[instId], $0.prices[instId], $0.instruments[instId] != nil, self.now($0)) }
        guard known else { return Self.error(status: 200, "51001", "Instrument ID does not exist") }
        let after = request.queryValue("after").flatMap { Int64($0) } ?? (now + 1)
        let before = request.queryValue("before").flatMap { Int64($0) } ?? (after - Int64(limit + 1) * step)
        var candles: [Candle]
        if let stored {
            candles = stored.filter { $0.ts < after && $0.ts > before }
        } else {
            let text = price.map { "\($0)" } ?? "100"
            let first = (before / step + 1) * step
            candles = stride(from: first, to: after, by: Int(step)).map {
                Candle(ts: Int64($0), open: text, high: text, low: text, close: text, volume: "1", confirmed: Int64($0) + step <= now)
            }
        }
        candles.sort { $0.ts > $1.ts }
        let rows = candles.prefix(limit).map { c in
            #"["\#(c.ts)","\#(c.open)","\#(c.high)","\#(c.low)","\#(c.close)","\#(c.volume)","0","0","\#(c.confirmed ? "1" : "0")"]"#
        }
        return Self.ok("[\(rows.joined(separator: ","))]")
    }

    // MARK: Orders

    func create(_ request: ReceivedRequest) async -> Response {
        let fault = state.withLock { state in state.faults.isEmpty ? nil : state.faults.removeFirst() }
        switch fault {
        case .rateLimited(let seconds):
            return Self.response(status: 429, #"{"msg":"Too Many Requests","code":"50011"}"#, headers: ["Retry-After": String(seconds)])
        case .reject(let code, let message):
            return Self.itemError(code, message, clOrdId: request.bodyFields["clOrdId"] ?? "")
        case .serverError(let status, let placed):
            if placed { _ = place(request) }
            return Self.response(status: status, #"{"msg":"Service temporarily unavailable","code":"50001"}"#)
        case .timeoutButPlaced(let hold):
            let answer = place(request)
            try? await Task.sleep(for: .milliseconds(Int64(hold * 1000)))
            return answer
        case nil:
            return place(request)
        }
    }

    func place(_ request: ReceivedRequest) -> Response {
        let f = request.bodyFields
        let link = f["clOrdId"] ?? ""
        guard link.count <= 32, link.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return Self.itemError("51000", "Parameter clOrdId error", clOrdId: link)
        }
        guard let instId = f["instId"] else { return Self.error(status: 400, "50014", "Parameter instId can not be empty") }
        guard f["tdMode"] == "cash" else { return Self.itemError("51000", "Parameter tdMode error", clOrdId: link) }
        let side = f["side"] ?? ""
        let ordType = f["ordType"] ?? ""
        guard side == "buy" || side == "sell" else { return Self.itemError("51000", "Parameter side error", clOrdId: link) }
        guard ["market", "limit", "ioc", "fok", "post_only"].contains(ordType) else { return Self.itemError("51000", "Parameter ordType error", clOrdId: link) }
        guard let sizeText = f["sz"], let size = Self.decimal(sizeText), size > 0 else { return Self.itemError("51000", "Parameter sz error", clOrdId: link) }
        let tgtCcy = f["tgtCcy"] ?? ""
        var changed: Order?
        defer { if let changed { publish(changed) } }
        return state.withLock { state -> Response in
            let now = self.now(state)
            guard let instrument = state.instruments[instId] else { return Self.itemError("51001", "Instrument ID does not exist.", clOrdId: link) }
            let lot = Self.decimal(instrument.lotSz) ?? 0
            let tick = Self.decimal(instrument.tickSz) ?? 0
            var px: Decimal?
            if ordType != "market" {
                guard let text = f["px"], let value = Self.decimal(text), value > 0 else { return Self.itemError("51000", "Parameter px error", clOrdId: link) }
                guard Self.isMultiple(value, of: tick) else {
                    return Self.itemError("51150", "The precision of the number of trading or the price exceeds the limit.", clOrdId: link)
                }
                px = value
            }
            // A spot market buy is sized in the quote currency unless tgtCcy says base_ccy.
            let quoteSized = ordType == "market" && (tgtCcy == "quote_ccy" || (side == "buy" && tgtCcy != "base_ccy"))
            guard let fillPrice = px ?? state.prices[instId], fillPrice > 0 else { return Self.itemError("51000", "No price", clOrdId: link) }
            var base = size
            if quoteSized {
                base = Self.floor(size / fillPrice, step: lot)
            } else {
                guard Self.isMultiple(size, of: lot) else { return Self.itemError("51121", "Order quantity must be a multiple of the lot size.", clOrdId: link) }
            }
            if let min = Self.decimal(instrument.minSz), base < min {
                return Self.itemError("51020", "Your order should meet or exceed the minimum order amount.", clOrdId: link)
            }
            if ordType != "market", let max = Self.decimal(instrument.maxLmtSz), base > max {
                return Self.itemError("51202", "Order quantity exceeds the maximum limit.", clOrdId: link)
            }
            if !link.isEmpty, state.orders.contains(where: { $0.clOrdId == link && $0.isOpen }) {
                return Self.itemError("51016", "Duplicated client order ID.", clOrdId: link)
            }
            let spendCcy = side == "buy" ? instrument.quoteCcy : instrument.baseCcy
            let spend = side == "buy" ? base * fillPrice : base
            let available = (state.balances[spendCcy] ?? 0) - (state.frozen[spendCcy] ?? 0)
            guard spend <= available else {
                return Self.itemError("51008", "Order failed. Insufficient \(spendCcy) balance in account.", clOrdId: link)
            }
            state.nextOrderId += 1
            let order = Order(
                ordId: String(state.nextOrderId), clOrdId: link, instId: instId, side: side, ordType: ordType, size: base, sentSize: sizeText,
                tgtCcy: tgtCcy, px: px, state: "live", cTime: now, uTime: now)
            state.orders.append(order)
            let index = state.orders.count - 1
            if ordType == "market" {
                Self.execute(&state, index: index, quantity: base, price: fillPrice, feeRate: feeRate, now: now)
            } else if ordType == "ioc" || ordType == "fok" {
                state.orders[index].state = "canceled"  // nothing to match against here
            } else {
                state.frozen[spendCcy, default: 0] += spend
            }
            changed = state.orders[index]
            return Self.ok(#"[{"clOrdId":"\#(link)","ordId":"\#(order.ordId)","tag":"","ts":"\#(now)","sCode":"0","sMsg":"Order placed"}]"#)
        }
    }

    static func execute(_ state: inout State, index: Int, quantity: Decimal, price: Decimal, feeRate: Decimal, now: Int64) {
        var order = state.orders[index]
        guard let instrument = state.instruments[order.instId] else { return }
        let base = instrument.baseCcy
        let quote = instrument.quoteCcy
        let value = quantity * price
        if order.side == "buy" {
            let fee = quantity * feeRate
            if let px = order.px { state.frozen[quote, default: 0] -= quantity * px }
            state.balances[quote, default: 0] -= value
            state.balances[base, default: 0] += quantity - fee
            order.fee += fee
        } else {
            let fee = value * feeRate
            if order.px != nil { state.frozen[base, default: 0] -= quantity }
            state.balances[base, default: 0] -= quantity
            state.balances[quote, default: 0] += value - fee
            order.fee += fee
        }
        order.accFillSz += quantity
        order.fillValue += value
        order.lastFillPx = price
        order.lastFillSz = quantity
        order.state = order.accFillSz >= order.size ? "filled" : "partially_filled"
        order.uTime = now
        state.orders[index] = order
    }

    func query(_ request: ReceivedRequest) -> Response {
        guard let instId = request.queryValue("instId") else { return Self.error(status: 400, "50014", "Parameter instId can not be empty") }
        let ordId = request.queryValue("ordId")
        let clOrdId = request.queryValue("clOrdId")
        let found = state.withLock { state in
            state.orders.last { $0.instId == instId && (($0.ordId == ordId && ordId != nil) || ($0.clOrdId == clOrdId && clOrdId != nil)) }
        }
        guard let found else { return Self.error(status: 200, "51603", "Order does not exist") }
        return Self.ok("[\(Self.json(order: found))]")
    }

    func cancel(_ request: ReceivedRequest) -> Response {
        let f = request.bodyFields
        let link = f["clOrdId"] ?? ""
        var changed: Order?
        defer { if let changed { publish(changed) } }
        return state.withLock { state -> Response in
            guard let index = state.orders.lastIndex(where: {
                $0.instId == f["instId"] && (($0.clOrdId == link && !link.isEmpty) || ($0.ordId == f["ordId"]))
            }) else { return Self.itemError("51400", "Order cancellation failed as the order has been filled, canceled or does not exist.", clOrdId: link) }
            var order = state.orders[index]
            guard order.isOpen, let instrument = state.instruments[order.instId] else {
                return Self.itemError(order.state == "filled" ? "51402" : "51401", order.state == "filled" ? "Order has been completed." : "Order has been canceled.", clOrdId: link)
            }
            if order.side == "buy", let px = order.px {
                state.frozen[instrument.quoteCcy, default: 0] -= order.leaves * px
            } else if order.side == "sell" {
                state.frozen[instrument.baseCcy, default: 0] -= order.leaves
            }
            order.state = "canceled"
            order.uTime = self.now(state)
            state.orders[index] = order
            changed = order
            return Self.ok(#"[{"clOrdId":"\#(order.clOrdId)","ordId":"\#(order.ordId)","ts":"\#(order.uTime)","sCode":"0","sMsg":""}]"#)
        }
    }

    func pending(_ request: ReceivedRequest) -> Response {
        let instType = request.queryValue("instType")
        guard instType == nil || instType == "SPOT" else { return Self.ok("[]") }
        let instId = request.queryValue("instId")
        let after = request.queryValue("after").flatMap { Int64($0) }
        let limit = min(100, max(1, request.queryValue("limit").flatMap { Int($0) } ?? 100))
        let list: [Order] = state.withLock { state in
            state.orders.reversed().filter { order in
                order.isOpen && (instId == nil || order.instId == instId) && (after == nil || Int64(order.ordId)! < after!)
            }
        }
        return Self.ok("[\(list.prefix(limit).map(Self.json(order:)).joined(separator: ","))]")
    }

    /// The order as `GET /api/v5/trade/order` (and the `orders` channel) shows it.
    public static func json(order o: Order) -> String {
        let average = o.accFillSz > 0 ? "\(o.fillValue / o.accFillSz)" : ""
        let feeCcy = o.accFillSz > 0 ? (o.side == "buy" ? o.instId.split(separator: "-").first.map(String.init) ?? "" : o.instId.split(separator: "-").last.map(String.init) ?? "") : ""
        let fee = o.fee > 0 ? "-\(o.fee)" : "0"
        return #"{"instType":"SPOT","instId":"\#(o.instId)","tgtCcy":"\#(o.tgtCcy)","ccy":"","ordId":"\#(o.ordId)","clOrdId":"\#(o.clOrdId)","tag":"","px":"\#(o.px.map { "\($0)" } ?? "")","pxUsd":"","pxVol":"","pxType":"","sz":"\#(o.ordType == "market" ? o.sentSize : "\(o.size)")","pnl":"0","ordType":"\#(o.ordType)","side":"\#(o.side)","posSide":"net","tdMode":"cash","accFillSz":"\#(o.accFillSz)","fillPx":"\#(o.lastFillPx.map { "\($0)" } ?? "")","tradeId":"","fillSz":"\#(o.lastFillSz.map { "\($0)" } ?? "0")","fillTime":"","avgPx":"\#(average)","state":"\#(o.state)","lever":"","attachAlgoClOrdId":"","tpTriggerPx":"","tpTriggerPxType":"","tpOrdPx":"","slTriggerPx":"","slTriggerPxType":"","slOrdPx":"","feeCcy":"\#(feeCcy)","fee":"\#(fee)","rebateCcy":"","rebate":"0","source":"","category":"normal","reduceOnly":"false","cancelSource":"","cancelSourceReason":"","quickMgnType":"","algoClOrdId":"","algoId":"","uTime":"\#(o.uTime)","cTime":"\#(o.cTime)"}"#
    }

    func balances(_ request: ReceivedRequest) -> Response {
        let wanted = request.queryValue("ccy").map { Set($0.split(separator: ",").map(String.init)) }
        let (details, now): ([String], Int64) = state.withLock { state in
            let names = Set(state.balances.keys).union(state.frozen.keys).sorted()
            let details: [String] = names.compactMap { ccy in
                let cash = state.balances[ccy] ?? 0
                let frozen = state.frozen[ccy] ?? 0
                if let wanted, !wanted.contains(ccy) { return nil }
                if wanted == nil, cash == 0, frozen == 0 { return nil }
                return #"{"ccy":"\#(ccy)","eq":"\#(cash)","cashBal":"\#(cash)","uTime":"\#(self.now(state))","isoEq":"0","availEq":"\#(cash - frozen)","disEq":"0","availBal":"\#(cash - frozen)","frozenBal":"\#(frozen)","ordFrozen":"\#(frozen)","liab":"0","upl":"0","uplLiab":"0","crossLiab":"0","isoLiab":"0","mgnRatio":"","interest":"0","twap":"0","maxLoan":"0","eqUsd":"0","notionalLever":"0","stgyEq":"0","isoUpl":"0","spotInUseAmt":"","spotIsoBal":"0"}"#
            }
            return (details, self.now(state))
        }
        return Self.ok(#"[{"adjEq":"","borrowFroz":"","imr":"","isoEq":"0","mgnRatio":"","mmr":"","notionalUsd":"","ordFroz":"","totalEq":"0","uTime":"\#(now)","details":[\#(details.joined(separator: ","))]}]"#)
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

    static func fields(_ body: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String { out[key] = text } else if let number = value as? NSNumber { out[key] = number.stringValue } else { out[key] = "\(value)" }
        }
        return out
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func ok(_ data: String) -> Response {
        response(status: 200, #"{"code":"0","msg":"","data":\#(data)}"#)
    }

    static func error(status: Int, _ code: String, _ message: String) -> Response {
        response(status: status, #"{"code":"\#(code)","msg":"\#(escape(message))","data":[]}"#)
    }

    /// An order operation that failed: `code` "1", the reason in the item.
    static func itemError(_ sCode: String, _ sMsg: String, clOrdId: String) -> Response {
        response(
            status: 200,
            #"{"code":"1","msg":"All operations failed","data":[{"clOrdId":"\#(escape(clOrdId))","ordId":"","tag":"","ts":"","sCode":"\#(sCode)","sMsg":"\#(escape(sMsg))"}],"inTime":"","outTime":""}"#)
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
