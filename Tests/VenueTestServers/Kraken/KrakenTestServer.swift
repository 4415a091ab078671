import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A stateful local Kraken spot venue speaking the REST API (`/0/public/…`, `/0/private/…`).
///
/// - Verifies every private call the way Kraken documents it: `API-Key` must be known
///   (`EAPI:Invalid key`); `API-Sign` must equal base64(HMAC-SHA512(base64decode(secret),
///   path + SHA256(nonce + raw body))) recomputed here from the bytes received
///   (`EAPI:Invalid signature`); the body's `nonce` must exceed the last one accepted for the key
///   (`EAPI:Invalid nonce`). Errors are HTTP 200 with `{"error":[…],"result":{}}`, as Kraken does.
/// - Market orders fill at once at the pair's price (``setPrice(_:_:)``) with the taker fee;
///   limit and stop orders rest until ``fill(clientOrderId:quantity:price:)`` (partial fills
///   allowed) with the maker fee. Fees are charged in the quote asset. Balances move with fills;
///   resting buys hold quote, resting sells hold base.
/// - Filters: volume decimals ≤ `lot_decimals`, price on `tick_size`, `ordermin`
///   (`EOrder:Order minimum not met`), `costmin` (`EOrder:Cost minimum not met`), balance
///   (`EOrder:Insufficient funds`).
/// - Scripted faults per endpoint (``failNext(_:_:)``) and a log of every request (``requests``).
/// - Also serves `GET /0/public/OHLC` for the history downloader, and (through ``run(_:)``) the
///   WebSocket v2 private `executions` channel on `/v2` (see `KrakenTestServer+Stream.swift`).
public final class KrakenTestServer: Sendable {
    /// One tradable pair as `AssetPairs` publishes it.
    public struct Pair: Sendable {
        /// The canonical key (`XXBTZUSD`).
        public var name: String
        public var altname: String
        public var wsname: String
        /// Kraken asset names (`XXBT`, `ZUSD`): the balance keys.
        public var base: String
        public var quote: String
        public var pairDecimals: Int
        public var lotDecimals: Int
        public var costDecimals: Int
        public var tickSize: String
        public var ordermin: String
        public var costmin: String

        public init(
            name: String, altname: String, wsname: String, base: String, quote: String, pairDecimals: Int, lotDecimals: Int,
            costDecimals: Int = 5, tickSize: String, ordermin: String, costmin: String
        ) {
            self.name = name
            self.altname = altname
            self.wsname = wsname
            self.base = base
            self.quote = quote
            self.pairDecimals = pairDecimals
            self.lotDecimals = lotDecimals
            self.costDecimals = costDecimals
            self.tickSize = tickSize
            self.ordermin = ordermin
            self.costmin = costmin
        }

        /// `XBTUSD` with Kraken's published rules (2026): 8 lot decimals, tick 0.1, min 0.00005 BTC, min cost 0.5 USD.
        public static let xbtusd = Pair(
            name: "XXBTZUSD", altname: "XBTUSD", wsname: "XBT/USD", base: "XXBT", quote: "ZUSD", pairDecimals: 1, lotDecimals: 8,
            tickSize: "0.1", ordermin: "0.00005", costmin: "0.5")
        /// `ETHUSD`: 8 lot decimals, tick 0.01, min 0.002 ETH.
        public static let ethusd = Pair(
            name: "XETHZUSD", altname: "ETHUSD", wsname: "ETH/USD", base: "XETH", quote: "ZUSD", pairDecimals: 2, lotDecimals: 8,
            tickSize: "0.01", ordermin: "0.002", costmin: "0.5")
    }

    /// A request as received.
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        /// Header fields by lower-cased name.
        public var headers: [String: String]
        /// The raw body.
        public var body: String
        /// The body's form fields, in order.
        public var form: [(name: String, value: String)]
        /// What the server answered in `error[]` (empty on success).
        public var errors: [String]

        /// The first form field named `name`.
        public func field(_ name: String) -> String? { form.first { $0.name == name }?.value }
        /// The `nonce` field as a number.
        public var nonce: UInt64? { field("nonce").flatMap { UInt64($0) } }
    }

    /// A scripted answer for the next call of an endpoint.
    public enum Fault: Sendable {
        /// `EAPI:Rate limit exceeded`; nothing happens.
        case rateLimit
        /// The call takes effect, but the answer comes only after `seconds` (the client times out first).
        case delayedAnswer(seconds: Double)
        /// `error[]` holds `message`; with `takesEffect` the call happens anyway (`EService:Unavailable` after placing).
        case error(String, takesEffect: Bool)
        /// HTTP `status` with an empty body; with `takesEffect` the call happens anyway.
        case httpStatus(Int, takesEffect: Bool)
    }

    /// One OHLC row.
    public struct Candle: Sendable {
        public var time: Int64
        public var open: Double, high: Double, low: Double, close: Double, volume: Double
        public init(time: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double) {
            self.time = time
            self.open = open
            self.high = high
            self.low = low
            self.close = close
            self.volume = volume
        }
    }

    struct Order {
        var txid: String
        var clOrdId: String?
        var userref: Int?
        var pair: Pair
        var side: String
        var ordertype: String
        var volume: Double
        var executed: Double = 0
        var cost: Double = 0
        var fee: Double = 0
        var price: Double?
        var price2: Double?
        var status: String
        var opened: Double
        var closed: Double?
        var reason: String?
        /// Quote (buy) or base (sell) still held for the unfilled rest.
        var held: Double = 0
    }

    struct State {
        var keys: [String: [UInt8]]
        var lastNonce: [String: UInt64] = [:]
        var pairs: [Pair]
        var prices: [String: Double] = [:]
        var balances: [String: Double]
        var holds: [String: Double] = [:]
        var orders: [Order] = []
        var faults: [String: [Fault]] = [:]
        var requests: [RecordedRequest] = []
        var candles: [String: [Candle]] = [:]
        var nextTxid = 1
        var makerFee: Double = 0.0016
        var takerFee: Double = 0.0026
        /// Tokens `GetWebSocketsToken` handed out, for the private stream to check.
        var webSocketTokens: Set<String> = []
    }

    let state: Mutex<State>
    /// Private-stream connections (see `KrakenTestServer+Stream.swift`).
    let hub = TestPrivateStreamHub()

    /// `keys`: API key → base64 secret. `balances` by Kraken asset name (`ZUSD`, `XXBT`).
    public init(keys: [String: String], pairs: [Pair] = [.xbtusd], prices: [String: Double] = ["XBTUSD": 30000], balances: [String: Double]) {
        var decoded: [String: [UInt8]] = [:]
        for (key, secret) in keys { decoded[key] = Data(base64Encoded: secret).map(Array.init) ?? [] }
        var initial = State(keys: decoded, pairs: pairs, balances: balances)
        initial.prices = prices
        state = Mutex(initial)
    }

    // MARK: Hooks

    /// Every request received, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The requests to one endpoint (`AddOrder`, `Time`, …).
    public func requests(to endpoint: String) -> [RecordedRequest] {
        requests.filter { $0.path.hasSuffix("/" + endpoint) }
    }

    /// The market price market orders of `altname` fill at.
    public func setPrice(_ altname: String, _ price: Double) {
        state.withLock { $0.prices[altname] = price }
    }

    public func setFees(maker: Double, taker: Double) {
        state.withLock {
            $0.makerFee = maker
            $0.takerFee = taker
        }
    }

    /// Scripts the next call of `endpoint` (`AddOrder` by default).
    public func failNext(_ fault: Fault, on endpoint: String = "AddOrder") {
        state.withLock { $0.faults[endpoint, default: []].append(fault) }
    }

    /// Pretends another client of `apiKey` used `nonce`.
    public func setLastNonce(_ nonce: UInt64, apiKey: String) {
        state.withLock { $0.lastNonce[apiKey] = nonce }
    }

    /// The OHLC rows of `altname`.
    public func setCandles(_ candles: [Candle], pair altname: String) {
        state.withLock { $0.candles[altname] = candles }
    }

    /// An asset's total balance and the part held by open orders.
    public func balance(_ asset: String) -> (total: Double, held: Double) {
        state.withLock { ($0.balances[asset] ?? 0, $0.holds[asset] ?? 0) }
    }

    /// Fills `quantity` of a resting order at `price` (maker fee). False when no open order has the id
    /// or the quantity exceeds what is left.
    @discardableResult
    public func fill(clientOrderId: String, quantity: Double, price: Double) -> Bool {
        state.withLock { state in
            guard let index = state.orders.firstIndex(where: { $0.clOrdId == clientOrderId && $0.status == "open" }) else { return false }
            let left = state.orders[index].volume - state.orders[index].executed
            guard quantity > 0, quantity <= left + 1e-12 else { return false }
            let before = state.orders
            Self.execute(&state, index: index, quantity: quantity, price: price, feeRate: state.makerFee)
            publishChanges(from: before, to: state.orders)
            return true
        }
    }

    /// The status (`open`, `closed`, `canceled`) of the order with this client id.
    public func orderStatus(clientOrderId: String) -> String? {
        state.withLock { $0.orders.first { $0.clOrdId == clientOrderId }?.status }
    }

    // MARK: Routes

    /// The REST routes, for ``withLocalServer(router:_:)`` (no private stream; ``run(_:)`` serves both).
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router)
        return router
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/0/public/:method") { [self] request, context -> Response in
            await handle(request, method: context.parameters.get("method") ?? "", isPrivate: false)
        }
        router.post("/0/private/:method") { [self] request, context -> Response in
            await handle(request, method: context.parameters.get("method") ?? "", isPrivate: true)
        }
    }

    private func handle(_ request: Request, method: String, isPrivate: Bool) async -> Response {
        var request = request
        let buffer = (try? await request.collectBody(upTo: 1 << 20)) ?? ByteBuffer()
        let body = String(buffer: buffer)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let form = Self.parseForm(body)
        var record = RecordedRequest(method: request.method.rawValue, path: request.uri.path, query: query, headers: headers, body: body, form: form, errors: [])

        let outcome: Outcome
        if isPrivate {
            outcome = state.withLock { state in
                if let failure = Self.authenticate(&state, path: request.uri.path, headers: headers, body: body, form: form) {
                    return .answer(Self.errorBody([failure]))
                }
                let before = state.orders
                let outcome = Self.privateCall(&state, method: method, fields: record)
                publishChanges(from: before, to: state.orders)
                return outcome
            }
        } else {
            outcome = state.withLock { Self.publicCall(&$0, method: method, query: query) }
        }
        switch outcome {
        case .answer(let text):
            record.errors = Self.errors(in: text)
            state.withLock { $0.requests.append(record) }
            return Self.json(text)
        case .delayed(let text, let seconds):
            record.errors = Self.errors(in: text)
            state.withLock { $0.requests.append(record) }
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return Self.json(text)
        case .status(let code):
            state.withLock { $0.requests.append(record) }
            return Response(status: .init(code: code), headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "")))
        }
    }

    enum Outcome {
        case answer(String)
        case delayed(String, seconds: Double)
        case status(Int)
    }

    // MARK: Authentication

    /// Nil when the call is authentic; else Kraken's error string.
    static func authenticate(_ state: inout State, path: String, headers: [String: String], body: String, form: [(name: String, value: String)]) -> String? {
        guard let apiKey = headers["api-key"], let secret = state.keys[apiKey] else { return "EAPI:Invalid key" }
        guard let nonceText = form.first(where: { $0.name == "nonce" })?.value, let nonce = UInt64(nonceText) else {
            return "EAPI:Invalid nonce"
        }
        let digest = SHA256.hash(data: Array((nonceText + body).utf8))
        let expected = HMAC<SHA512>.authenticationCode(for: Array(path.utf8) + Array(digest), using: SymmetricKey(data: secret))
        guard let sent = headers["api-sign"].flatMap({ Data(base64Encoded: $0) }), sent == Data(expected) else {
            return "EAPI:Invalid signature"
        }
        guard nonce > state.lastNonce[apiKey] ?? 0 else { return "EAPI:Invalid nonce" }
        state.lastNonce[apiKey] = nonce
        return nil
    }

    // MARK: Public endpoints

    static func publicCall(_ state: inout State, method: String, query: [String: String]) -> Outcome {
        switch method {
        case "Time":
            let now = Int64(Date().timeIntervalSince1970)
            return .answer(resultBody(["unixtime": now, "rfc1123": "\(now)"]))
        case "AssetPairs":
            var result: [String: Any] = [:]
            let wanted = query["pair"].map { $0.split(separator: ",").map(String.init) }
            for name in wanted ?? state.pairs.map(\.altname) {
                guard let pair = state.pairs.first(where: { $0.name == name || $0.altname == name }) else {
                    return .answer(errorBody(["EQuery:Unknown asset pair"]))
                }
                result[pair.name] = [
                    "altname": pair.altname, "wsname": pair.wsname, "base": pair.base, "quote": pair.quote,
                    "pair_decimals": pair.pairDecimals, "lot_decimals": pair.lotDecimals, "cost_decimals": pair.costDecimals,
                    "lot_multiplier": 1, "ordermin": pair.ordermin, "costmin": pair.costmin, "tick_size": pair.tickSize, "status": "online",
                ] as [String: Any]
            }
            return .answer(resultBody(result))
        case "OHLC":
            guard let name = query["pair"], let pair = state.pairs.first(where: { $0.name == name || $0.altname == name }) else {
                return .answer(errorBody(["EQuery:Unknown asset pair"]))
            }
            let since = query["since"].flatMap { Int64($0) } ?? 0
            let rows = (state.candles[pair.altname] ?? []).filter { $0.time > since }.suffix(720)
            let encoded: [[Any]] = rows.map {
                [$0.time, format($0.open, 1), format($0.high, 1), format($0.low, 1), format($0.close, 1), format($0.close, 1), format($0.volume, 8), 1]
            }
            return .answer(resultBody([pair.name: encoded, "last": rows.last?.time ?? since]))
        default:
            return .answer(errorBody(["EGeneral:Unknown method"]))
        }
    }

    // MARK: Private endpoints

    static func privateCall(_ state: inout State, method: String, fields: RecordedRequest) -> Outcome {
        let fault = state.faults[method]?.isEmpty == false ? state.faults[method]!.removeFirst() : nil
        switch fault {
        case .rateLimit:
            return .answer(errorBody(["EAPI:Rate limit exceeded"]))
        case .error(let message, takesEffect: false):
            return .answer(errorBody([message]))
        case .httpStatus(let code, takesEffect: false):
            return .status(code)
        default:
            break
        }
        let answer = perform(&state, method: method, fields: fields)
        switch fault {
        case .delayedAnswer(let seconds): return .delayed(answer, seconds: seconds)
        case .error(let message, takesEffect: true): return .answer(errorBody([message]))
        case .httpStatus(let code, takesEffect: true): return .status(code)
        default: return .answer(answer)
        }
    }

    static func perform(_ state: inout State, method: String, fields: RecordedRequest) -> String {
        switch method {
        case "Balance":
            var result: [String: String] = [:]
            for (asset, total) in state.balances { result[asset] = format(total, 8) }
            return resultBody(result)
        case "BalanceEx":
            var result: [String: Any] = [:]
            for (asset, total) in state.balances {
                result[asset] = ["balance": format(total, 8), "hold_trade": format(state.holds[asset] ?? 0, 8)]
            }
            return resultBody(result)
        case "GetWebSocketsToken":
            // 32 random bytes, base64 without padding, like Kraken's tokens.
            var generator = SystemRandomNumberGenerator()
            let token = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            state.webSocketTokens.insert(token)
            return resultBody(["token": token, "expires": 900])
        case "AddOrder":
            return addOrder(&state, fields)
        case "CancelOrder":
            let clientId = fields.field("cl_ord_id")
            let txid = fields.field("txid")
            guard let index = state.orders.firstIndex(where: {
                $0.status == "open" && ((clientId != nil && $0.clOrdId == clientId) || (txid != nil && $0.txid == txid))
            }) else { return errorBody(["EOrder:Unknown order"]) }
            release(&state, index: index)
            state.orders[index].status = "canceled"
            state.orders[index].reason = "User requested"
            state.orders[index].closed = Date().timeIntervalSince1970
            return resultBody(["count": 1, "pending": false])
        case "QueryOrders":
            let txids = Set((fields.field("txid") ?? "").split(separator: ",").map(String.init))
            let clientId = fields.field("cl_ord_id")
            var result: [String: Any] = [:]
            for order in state.orders where txids.contains(order.txid) || (clientId != nil && order.clOrdId == clientId) {
                result[order.txid] = describe(order)
            }
            return resultBody(result)
        case "OpenOrders", "ClosedOrders":
            let open = method == "OpenOrders"
            let clientId = fields.field("cl_ord_id")
            var result: [String: Any] = [:]
            for order in state.orders where (order.status == "open" || order.status == "pending") == open {
                if let clientId, order.clOrdId != clientId { continue }
                result[order.txid] = describe(order)
            }
            return open ? resultBody(["open": result]) : resultBody(["closed": result, "count": result.count])
        default:
            return errorBody(["EGeneral:Unknown method"])
        }
    }

    static func addOrder(_ state: inout State, _ fields: RecordedRequest) -> String {
        guard let pairName = fields.field("pair"), let pair = state.pairs.first(where: { $0.altname == pairName || $0.name == pairName }) else {
            return errorBody(["EQuery:Unknown asset pair"])
        }
        guard let side = fields.field("type"), side == "buy" || side == "sell" else { return errorBody(["EGeneral:Invalid arguments:type"]) }
        let ordertype = fields.field("ordertype") ?? ""
        guard ["market", "limit", "stop-loss", "stop-loss-limit"].contains(ordertype) else {
            return errorBody(["EGeneral:Invalid arguments:ordertype"])
        }
        guard let volumeText = fields.field("volume"), let volume = Double(volumeText), volume > 0,
              fractionDigits(volumeText) <= pair.lotDecimals else {
            return errorBody(["EGeneral:Invalid arguments:volume"])
        }
        var price: Double?
        var price2: Double?
        for (name, needed) in [("price", ordertype != "market"), ("price2", ordertype == "stop-loss-limit")] where needed {
            guard let text = fields.field(name), let value = Double(text), value > 0 else { return errorBody(["EGeneral:Invalid arguments:\(name)"]) }
            guard onGrid(text, tick: pair.tickSize) else {
                return errorBody(["EOrder:Invalid price:\(pair.altname) price can only be specified up to \(pair.pairDecimals) decimals."])
            }
            if name == "price" { price = value } else { price2 = value }
        }
        let clientId = fields.field("cl_ord_id")
        if let clientId {
            guard clientId.utf8.count <= 18 || clientId.utf8.count == 32 || clientId.utf8.count == 36 else {
                return errorBody(["EGeneral:Invalid arguments:cl_ord_id"])
            }
            if state.orders.contains(where: { $0.clOrdId == clientId && $0.status == "open" }) {
                return errorBody(["EOrder:Duplicate order"])
            }
        }
        guard let market = state.prices[pair.altname] else { return errorBody(["EService:Unavailable"]) }
        if volume < (Double(pair.ordermin) ?? 0) - 1e-12 { return errorBody(["EOrder:Order minimum not met"]) }
        let pricing = ordertype == "market" ? market : (ordertype == "stop-loss-limit" ? price2! : price!)
        if volume * pricing < (Double(pair.costmin) ?? 0) - 1e-12 { return errorBody(["EOrder:Cost minimum not met"]) }
        let feeRate = ordertype == "market" ? state.takerFee : state.makerFee
        if side == "buy" {
            let needed = volume * pricing * (1 + feeRate)
            if needed > available(state, pair.quote) + 1e-9 { return errorBody(["EOrder:Insufficient funds"]) }
        } else if volume > available(state, pair.base) + 1e-12 {
            return errorBody(["EOrder:Insufficient funds"])
        }
        let txid = String(format: "O%05d-TEST-%05d", state.nextTxid, state.nextTxid * 7 % 99_999)
        state.nextTxid += 1
        var order = Order(
            txid: txid, clOrdId: clientId, userref: fields.field("userref").flatMap { Int($0) }, pair: pair, side: side,
            ordertype: ordertype, volume: volume, price: price, price2: price2, status: "open", opened: Date().timeIntervalSince1970)
        if ordertype != "market" {
            order.held = side == "buy" ? volume * pricing * (1 + feeRate) : volume
            state.holds[side == "buy" ? pair.quote : pair.base, default: 0] += order.held
        }
        state.orders.append(order)
        if ordertype == "market" {
            execute(&state, index: state.orders.count - 1, quantity: volume, price: market, feeRate: feeRate)
        }
        let description = "\(side) \(format(volume, pair.lotDecimals)) \(pair.altname) @ \(ordertype == "market" ? "market" : "\(ordertype) \(fields.field("price") ?? "")")"
        return resultBody(["descr": ["order": description], "txid": [txid]])
    }

    /// Fills `quantity` at `price`: balances move, the hold shrinks, the order closes when done.
    static func execute(_ state: inout State, index: Int, quantity: Double, price: Double, feeRate: Double) {
        var order = state.orders[index]
        let value = quantity * price
        let fee = value * feeRate
        if order.side == "buy" {
            state.balances[order.pair.quote, default: 0] -= value + fee
            state.balances[order.pair.base, default: 0] += quantity
        } else {
            state.balances[order.pair.base, default: 0] -= quantity
            state.balances[order.pair.quote, default: 0] += value - fee
        }
        if order.held > 0 {
            let share = order.held * quantity / (order.volume - order.executed)
            order.held -= share
            state.holds[order.side == "buy" ? order.pair.quote : order.pair.base, default: 0] -= share
        }
        order.executed += quantity
        order.cost += value
        order.fee += fee
        if order.volume - order.executed <= 1e-12 {
            order.status = "closed"
            order.closed = Date().timeIntervalSince1970
        }
        state.orders[index] = order
    }

    static func release(_ state: inout State, index: Int) {
        let order = state.orders[index]
        state.holds[order.side == "buy" ? order.pair.quote : order.pair.base, default: 0] -= order.held
        state.orders[index].held = 0
    }

    static func available(_ state: State, _ asset: String) -> Double {
        (state.balances[asset] ?? 0) - (state.holds[asset] ?? 0)
    }

    static func describe(_ order: Order) -> [String: Any] {
        let pair = order.pair
        var info: [String: Any] = [
            "refid": NSNull(), "userref": order.userref ?? 0, "status": order.status, "opentm": order.opened, "starttm": 0, "expiretm": 0,
            "descr": [
                "pair": pair.altname, "type": order.side, "ordertype": order.ordertype,
                "price": format(order.price ?? 0, pair.pairDecimals), "price2": format(order.price2 ?? 0, pair.pairDecimals),
                "leverage": "none", "order": "\(order.side) \(format(order.volume, pair.lotDecimals)) \(pair.altname) @ \(order.ordertype)", "close": "",
            ] as [String: Any],
            "vol": format(order.volume, pair.lotDecimals), "vol_exec": format(order.executed, pair.lotDecimals),
            "cost": format(order.cost, pair.costDecimals), "fee": format(order.fee, pair.costDecimals),
            "price": format(order.executed > 0 ? order.cost / order.executed : 0, pair.pairDecimals + 4),
            "stopprice": "0.00000", "limitprice": "0.00000", "misc": "", "oflags": "fciq",
            "reason": order.reason.map { $0 as Any } ?? NSNull(),
        ]
        if let clientId = order.clOrdId { info["cl_ord_id"] = clientId }
        if let closed = order.closed { info["closetm"] = closed }
        return info
    }

    // MARK: Encoding

    static func resultBody(_ result: Any) -> String {
        encode(["error": [String](), "result": result])
    }

    static func errorBody(_ errors: [String]) -> String {
        encode(["error": errors, "result": [String: Any]()])
    }

    static func encode(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func errors(in text: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [] }
        return object["error"] as? [String] ?? []
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    static func fractionDigits(_ text: String) -> Int {
        guard let point = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: point)...].count
    }

    /// Whether decimal `text` is a whole multiple of `tick`, in integers.
    static func onGrid(_ text: String, tick: String) -> Bool {
        let scale = max(fractionDigits(text), fractionDigits(tick))
        guard let value = scaled(text, scale), let unit = scaled(tick, scale), unit > 0 else { return false }
        return value % unit == 0
    }

    static func scaled(_ text: String, _ scale: Int) -> Int64? {
        let digits = fractionDigits(text)
        let plain = text.replacingOccurrences(of: ".", with: "") + String(repeating: "0", count: scale - digits)
        return Int64(plain)
    }

    static func parseForm(_ body: String) -> [(name: String, value: String)] {
        body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in (String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}
