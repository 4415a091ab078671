import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// A stateful local Binance spot venue for tests and sandbox runs: the REST `api/v3` endpoints the
/// adapter and the history downloader use, and the WebSocket API user-data subscription.
///
/// It checks requests the way Binance documents them ([rest-api.md] "Request security", "SIGNED
/// endpoint security"):
/// - `X-MBX-APIKEY` must be present (`-2014`) and be the configured key (`-2015`, HTTP 401);
/// - `signature` = hex HMAC-SHA256 over the query string concatenated with the body, as the
///   bytes arrived, without the `signature` parameter itself; compared case-insensitively (`-1022`);
/// - `timestamp < serverTime + 1000 && serverTime − timestamp ≤ recvWindow` (default 5000,
///   at most 60000: `-1131`), else `-1021`;
/// - a place passes `PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL` (`-1013 Filter failure: …`), a unique
///   `newClientOrderId` (`-2010 Duplicate order sent.`) and the balance (`-2010 Account has
///   insufficient balance for requested action.`).
///
/// Matching and fees are in ``BinanceTestExchange`` (market orders fill at once at the market's
/// price; the rest wait for ``fill(clientOrderId:quantity:price:)``; 0.1 % commission in the
/// received asset). The server's clock is the wall clock plus ``setClockSkew(milliseconds:)``.
/// Start it with ``run(_:)`` (REST and WebSocket on one 127.0.0.1 port), or mount the REST part
/// with ``router()`` and `withLocalServer(router:_:)`.
public final class BinanceTestServer: Sendable {
    /// One market and its filters, as `exchangeInfo` publishes them.
    public struct Market: Sendable {
        public var symbol: String
        public var base: String
        public var quote: String
        public var status: String
        /// The current price, as a decimal string; market orders fill here.
        public var price: String
        public var tickSize: String
        public var minPrice: String
        public var maxPrice: String
        public var stepSize: String
        public var minQty: String
        public var maxQty: String
        public var minNotional: String
        public var maxNotional: String
        public var applyMinToMarket: Bool
        public var applyMaxToMarket: Bool
        /// Publish the legacy `MIN_NOTIONAL` filter (`applyToMarket`) instead of `NOTIONAL`.
        public var legacyMinNotional: Bool

        public init(
            symbol: String, base: String, quote: String, price: String, status: String = "TRADING",
            tickSize: String = "0.01", minPrice: String = "0.01", maxPrice: String = "1000000",
            stepSize: String = "0.00001", minQty: String = "0.00001", maxQty: String = "9000",
            minNotional: String = "5", maxNotional: String = "9000000", applyMinToMarket: Bool = true,
            applyMaxToMarket: Bool = false, legacyMinNotional: Bool = false
        ) {
            self.symbol = symbol
            self.base = base
            self.quote = quote
            self.price = price
            self.status = status
            self.tickSize = tickSize
            self.minPrice = minPrice
            self.maxPrice = maxPrice
            self.stepSize = stepSize
            self.minQty = minQty
            self.maxQty = maxQty
            self.minNotional = minNotional
            self.maxNotional = maxNotional
            self.applyMinToMarket = applyMinToMarket
            self.applyMaxToMarket = applyMaxToMarket
            self.legacyMinNotional = legacyMinNotional
        }

        /// `BTCUSDT` at 30 000 with Binance's spot filters (tick 0.01, step 0.00001, min notional 5).
        public static let btcusdt = Market(symbol: "BTCUSDT", base: "BTC", quote: "USDT", price: "30000")
        /// `ETHUSDT` at 2 000 (tick 0.01, step 0.0001, min notional 5, legacy `MIN_NOTIONAL`).
        public static let ethusdt = Market(
            symbol: "ETHUSDT", base: "ETH", quote: "USDT", price: "2000", stepSize: "0.0001", minQty: "0.0001",
            maxQty: "100000", legacyMinNotional: true)
    }

    /// A scripted fault for the next `POST /api/v3/order` that passes authentication.
    public enum Fault: Sendable, Equatable {
        /// HTTP 429 with `Retry-After: <seconds>` and `-1003`; nothing placed.
        case rateLimited(retryAfter: Int)
        /// The order is placed (and fills, if a market order), but the answer is held back for
        /// `timeoutDelay`, past the client's timeout.
        case timeoutButPlaced
        /// HTTP 500 with `-1001`; nothing placed.
        case serverError
    }

    /// A request as received. For WebSocket API requests `method` is `WS` and `path` the
    /// request's `method` (`userDataStream.subscribe.signature`).
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        /// The query string as received (percent-encoded), without `?`.
        public var rawQuery: String
        /// The body as received.
        public var rawBody: String
        /// Query and body parameters, percent-decoded; the query wins on a name in both.
        public var parameters: [String: String]
        /// Parameter names in the order sent (body first, then query).
        public var parameterNames: [String]
        public var apiKey: String?
        /// The server's clock when it arrived.
        public var receivedAt: Int64
    }

    /// Why a test hook could not act.
    public enum HookError: Error, Sendable, Equatable {
        case unknownOrder(String)
        case unknownSymbol(String)
        case refused(String)
    }

    public static let defaultAPIKey = "testApiKeyBinance0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
    public static let defaultSecret = "testSecretBinance9876543210zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQ"

    public let apiKey: String
    private let secret: String
    /// Set for an Ed25519 API key: signatures are then base64 Ed25519 over the same payload
    /// (case-sensitive) instead of hex HMAC.
    private let ed25519PublicKey: Curve25519.Signing.PublicKey?
    /// How long `.timeoutButPlaced` holds the answer back.
    public let timeoutDelay: Duration
    private let exchange: Mutex<BinanceTestExchange>
    private let log = Mutex<[RecordedRequest]>([])
    private let hub = BinanceTestStreamHub()
    /// The public kline streams (`/ws/<symbol>@kline_<interval>`), off until enabled.
    let marketStreams = BinanceTestMarketStreams()

    public init(
        apiKey: String = BinanceTestServer.defaultAPIKey, secret: String = BinanceTestServer.defaultSecret,
        markets: [Market] = [.btcusdt, .ethusdt], balances: [String: Double] = ["USDT": 10_000, "BTC": 1],
        commissionRate: Double = 0.001, timeoutDelay: Duration = .milliseconds(1500),
        ed25519PublicKey: Curve25519.Signing.PublicKey? = nil
    ) {
        self.apiKey = apiKey
        self.secret = secret
        self.ed25519PublicKey = ed25519PublicKey
        self.timeoutDelay = timeoutDelay
        exchange = Mutex(BinanceTestExchange(markets: markets, balances: balances, commissionRate: commissionRate))
    }

    // MARK: Hooks

    /// Every request received so far, oldest first.
    public var requests: [RecordedRequest] { log.withLock { $0 } }

    /// The requests to `method path` (e.g. `"POST", "/api/v3/order"`).
    public func requests(_ method: String, _ path: String) -> [RecordedRequest] {
        requests.filter { $0.method == method && $0.path == path }
    }

    /// The server's clock: wall clock plus the skew.
    public var now: Int64 { Self.wallClock() + exchange.withLock { $0.clockSkewMilliseconds } }

    /// Moves the server's clock `milliseconds` ahead of the wall clock (negative: behind).
    /// From now on MARKET orders rest (NEW, balance reserved at the current price) until
    /// ``fill(clientOrderId:quantity:price:)`` fills them, so a test can hold orders open.
    public func setMarketOrdersRest(_ rest: Bool) {
        exchange.withLock { $0.marketOrdersRest = rest }
    }

    public func setClockSkew(milliseconds: Int64) {
        exchange.withLock { $0.clockSkewMilliseconds = milliseconds }
    }

    /// Sets the price market orders fill at.
    public func setPrice(_ price: Double, symbol: String = "BTCUSDT") {
        exchange.withLock { $0.prices[symbol] = BinanceTestDecimal(price) }
    }

    /// Changes a market's published filters (e.g. a raised minimum notional after the adapter
    /// loaded its rules, to provoke `-1013`).
    public func updateMarket(_ symbol: String, _ change: (inout Market) -> Void) {
        exchange.withLock { exchange in
            guard var market = exchange.markets[symbol] else { return }
            change(&market)
            exchange.markets[symbol] = market
        }
    }

    /// Sets an asset's free balance.
    public func setBalance(_ asset: String, free: Double) {
        exchange.withLock { exchange in
            let locked = exchange.balances[asset]?.locked ?? .zero
            exchange.balances[asset] = .init(free: BinanceTestDecimal(free), locked: locked)
        }
    }

    /// An asset's balance as exact decimal text without trailing zeros (`"9969.5"`).
    public func balance(_ asset: String) -> (free: String, locked: String) {
        exchange.withLock { exchange in
            let balance = exchange.balances[asset]
            return ((balance?.free ?? .zero).description, (balance?.locked ?? .zero).description)
        }
    }

    /// The next `count` signed REST requests with a valid signature answer `-1021` (timestamp
    /// outside the recvWindow) whatever their timestamp, as if the clock kept jumping.
    public func rejectTimestamps(next count: Int) {
        exchange.withLock { $0.timestampRejections = count }
    }

    /// The next place that passes authentication fails this way (once).
    public func failNextPlace(_ fault: Fault) {
        exchange.withLock { $0.pendingFault = fault }
    }

    /// Fills `quantity` of a working order at `price` (default: its limit price, else stop price,
    /// else the market's price); partial fills allowed. Pushes the `executionReport`.
    public func fill(clientOrderId: String, quantity: Double, price: Double? = nil) throws(HookError) {
        let now = now
        let events = try exchange.withLock { exchange throws(HookError) -> [BinanceTestJSON] in
            guard let index = exchange.index(of: clientOrderId, symbol: nil) else { throw .unknownOrder(clientOrderId) }
            let order = exchange.orders[index]
            let fillPrice = price.map(BinanceTestDecimal.init) ?? order.price ?? order.stopPrice ?? exchange.prices[order.symbol] ?? .zero
            do throws(BinanceTestExchange.Failure) {
                return try exchange.fill(at: index, quantity: BinanceTestDecimal(quantity), price: fillPrice, now: now)
            } catch {
                throw .refused(error.msg)
            }
        }
        events.forEach(hub.publish)
    }

    /// Closes every WebSocket connection (the client must reconnect and subscribe again).
    public func dropStreamConnections() { hub.dropAll() }

    /// Sends `eventStreamTerminated` on every subscription and ends them.
    public func terminateStreamSubscriptions() { hub.terminateAll(now: now) }

    /// Active user-data subscriptions.
    public var streamSubscriptionCount: Int { hub.subscriptionCount }

    // MARK: Serving

    /// The REST endpoints, for `withLocalServer(router:_:)`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router)
        return router
    }

    /// Adds the REST endpoints to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v3/ping") { [self] request, _ in await respond(request) { _ in (200, "{}") } }
        router.get("/api/v3/time") { [self] request, _ in
            await respond(request) { _ in (200, "{\"serverTime\":\(self.now)}") }
        }
        router.get("/api/v3/exchangeInfo") { [self] request, _ in await respond(request, exchangeInfo) }
        router.get("/api/v3/klines") { [self] request, _ in await respond(request, klines) }
        router.get("/api/v3/ticker/price") { [self] request, _ in await respond(request, tickerPrice) }
        router.get("/api/v3/account") { [self] request, _ in await respond(request, signed: true, account) }
        router.post("/api/v3/order") { [self] request, _ in await respond(request, signed: true, place: true, placeOrder) }
        router.delete("/api/v3/order") { [self] request, _ in await respond(request, signed: true, cancelOrder) }
        router.get("/api/v3/order") { [self] request, _ in await respond(request, signed: true, queryOrder) }
        router.get("/api/v3/openOrders") { [self] request, _ in await respond(request, signed: true, openOrders) }
    }

    /// Serves REST and the WebSocket API (`/ws-api/v3`) on 127.0.0.1 at a free port for the
    /// length of `body`, then stops (closing stream connections first).
    public func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        addMarketStreamRoute(to: router)
        router.ws("/ws-api/v3") { [self] inbound, outbound, _ in
            try await serveStream(inbound: inbound, outbound: outbound)
        }
        return try await withLocalWebSocketServer(label: "binance-test-server", router: router, beforeStop: { [hub, marketStreams] in
            hub.dropAll()
            marketStreams.shutDown()
        }, body)
    }

    // MARK: Request plumbing

    private typealias Answer = (status: Int, body: String)

    private func respond(
        _ request: Request, signed: Bool = false, place: Bool = false, _ handler: (RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer
    ) async -> Response {
        var request = request
        let bodyBuffer = (try? await request.collectBody(upTo: 1 << 20)) ?? ByteBuffer()
        let rawBody = String(buffer: bodyBuffer)
        let rawQuery = request.uri.query ?? ""
        var parameters: [String: String] = [:]
        var names: [String] = []
        for (name, value) in Self.formDecode(rawBody) + Self.formDecode(rawQuery) {
            parameters[name] = value
            names.append(name)
        }
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, rawQuery: rawQuery, rawBody: rawBody,
            parameters: parameters, parameterNames: names, apiKey: request.headers[HTTPField.Name("X-MBX-APIKEY")!],
            receivedAt: now)
        log.withLock { $0.append(recorded) }
        do throws(BinanceTestExchange.Failure) {
            if signed { try authenticate(recorded) }
            if place, let fault = exchange.withLock({ state -> Fault? in
                defer { state.pendingFault = nil }
                return state.pendingFault
            }) {
                switch fault {
                case .rateLimited(let seconds):
                    throw BinanceTestExchange.Failure(
                        status: 429, code: -1003,
                        msg: "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                        headers: [("Retry-After", String(seconds))])
                case .serverError:
                    throw BinanceTestExchange.Failure(status: 500, code: -1001, msg: "Internal error; unable to process your request. Please try again.")
                case .timeoutButPlaced:
                    let answer = try handler(recorded)
                    try? await Task.sleep(for: timeoutDelay)
                    return Self.response(answer.status, answer.body)
                }
            }
            let answer = try handler(recorded)
            return Self.response(answer.status, answer.body)
        } catch {
            return Self.response(error.status, BinanceTestJSON.error(code: error.code, msg: error.msg), headers: error.headers)
        }
    }

    private static func response(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json;charset=UTF-8"
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Binance's SIGNED-endpoint checks, in order: key, mandatory parameters, signature, time.
    private func authenticate(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) {
        guard let key = request.apiKey, !key.isEmpty else {
            throw .init(status: 401, code: -2014, msg: "API-key format invalid.")
        }
        guard key == apiKey else {
            throw .init(status: 401, code: -2015, msg: "Invalid API-key, IP, or permissions for action.")
        }
        guard let signature = request.parameters["signature"], !signature.isEmpty else {
            throw .init(status: 400, code: -1102, msg: "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        }
        guard let timestampText = request.parameters["timestamp"], let timestamp = Int64(timestampText) else {
            throw .init(status: 400, code: -1102, msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        }
        let payload = Self.strippingSignature(request.rawQuery) + Self.strippingSignature(request.rawBody)
        guard isValid(signature: signature, payload: payload) else {
            throw .init(status: 400, code: -1022, msg: "Signature for this request is not valid.")
        }
        try checkWindow(timestamp: timestamp, recvWindow: request.parameters["recvWindow"])
        let forced = exchange.withLock { exchange -> Bool in
            guard exchange.timestampRejections > 0 else { return false }
            exchange.timestampRejections -= 1
            return true
        }
        if forced {
            throw .init(status: 400, code: -1021, msg: "Timestamp for this request is outside of the recvWindow.")
        }
    }

    /// `timestamp < serverTime + 1000 && serverTime − timestamp ≤ recvWindow`.
    private func checkWindow(timestamp: Int64, recvWindow: String?) throws(BinanceTestExchange.Failure) {
        let window = recvWindow.flatMap(Double.init) ?? 5000
        guard window <= 60_000, window > 0 else {
            throw .init(status: 400, code: -1131, msg: "recvWindow must be less than 60000")
        }
        // A 16-digit timestamp is in microseconds.
        let milliseconds = timestamp > 10_000_000_000_000 ? Double(timestamp) / 1000 : Double(timestamp)
        let serverTime = Double(now)
        if milliseconds >= serverTime + 1000 {
            throw .init(status: 400, code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time.")
        }
        if serverTime - milliseconds > window {
            throw .init(status: 400, code: -1021, msg: "Timestamp for this request is outside of the recvWindow.")
        }
    }

    /// HMAC keys: hex, compared case-insensitively. Ed25519 keys: base64 (case-sensitive), verified with the public key.
    private func isValid(signature: String, payload: String) -> Bool {
        if let ed25519PublicKey {
            guard let bytes = Data(base64Encoded: signature) else { return false }
            return ed25519PublicKey.isValidSignature(bytes, for: Data(payload.utf8))
        }
        return signature.lowercased() == hmacHex(payload)
    }

    private func hmacHex(_ payload: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// `a=1&signature=…&b=2` → `a=1&b=2`: the signed payload is everything but the signature.
    static func strippingSignature(_ raw: String) -> String {
        raw.split(separator: "&", omittingEmptySubsequences: false).filter { !$0.hasPrefix("signature=") }.joined(separator: "&")
    }

    /// `application/x-www-form-urlencoded` (and query) decoding: `+` is a space, `%XX` a byte.
    static func formDecode(_ raw: String) -> [(String, String)] {
        guard !raw.isEmpty else { return [] }
        return raw.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecode(parts[0]), parts.count > 1 ? percentDecode(parts[1]) : "")
        }
    }

    static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func wallClock() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: Endpoints

    private func exchangeInfo(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        var wanted: [String]?
        if let one = request.parameters["symbol"] { wanted = [one] }
        if let list = request.parameters["symbols"] {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(list.utf8)) else {
                throw .init(status: 400, code: -1100, msg: "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.")
            }
            wanted = names
        }
        let now = now
        return try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> Answer in
            let names = wanted ?? exchange.markets.keys.sorted()
            var symbols: [BinanceTestJSON] = []
            for name in names {
                guard let market = exchange.markets[name] else { throw .init(status: 400, code: -1121, msg: "Invalid symbol.") }
                symbols.append(Self.symbolJSON(market))
            }
            let body = BinanceTestJSON.object([
                ("timezone", .string("UTC")), ("serverTime", .int(now)), ("rateLimits", .array([])),
                ("exchangeFilters", .array([])), ("symbols", .array(symbols)),
            ])
            return (200, body.text)
        }
    }

    private static func symbolJSON(_ market: Market) -> BinanceTestJSON {
        typealias D = BinanceTestDecimal
        func wire(_ text: String) -> BinanceTestJSON { .string((D(text) ?? .zero).wire) }
        var filters: [BinanceTestJSON] = [
            .object([
                ("filterType", .string("PRICE_FILTER")), ("minPrice", wire(market.minPrice)),
                ("maxPrice", wire(market.maxPrice)), ("tickSize", wire(market.tickSize)),
            ]),
            .object([
                ("filterType", .string("LOT_SIZE")), ("minQty", wire(market.minQty)),
                ("maxQty", wire(market.maxQty)), ("stepSize", wire(market.stepSize)),
            ]),
            .object([("filterType", .string("ICEBERG_PARTS")), ("limit", .int(10))]),
            .object([
                ("filterType", .string("MARKET_LOT_SIZE")), ("minQty", wire("0")), ("maxQty", wire(market.maxQty)),
                ("stepSize", wire("0")),
            ]),
        ]
        if market.legacyMinNotional {
            filters.append(.object([
                ("filterType", .string("MIN_NOTIONAL")), ("minNotional", wire(market.minNotional)),
                ("applyToMarket", .bool(market.applyMinToMarket)), ("avgPriceMins", .int(5)),
            ]))
        } else {
            filters.append(.object([
                ("filterType", .string("NOTIONAL")), ("minNotional", wire(market.minNotional)),
                ("applyMinToMarket", .bool(market.applyMinToMarket)), ("maxNotional", wire(market.maxNotional)),
                ("applyMaxToMarket", .bool(market.applyMaxToMarket)), ("avgPriceMins", .int(5)),
            ]))
        }
        return .object([
            ("symbol", .string(market.symbol)), ("status", .string(market.status)), ("baseAsset", .string(market.base)),
            ("baseAssetPrecision", .int(8)), ("quoteAsset", .string(market.quote)), ("quotePrecision", .int(8)),
            ("quoteAssetPrecision", .int(8)),
            ("orderTypes", .array(["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"].map { .string($0) })),
            ("icebergAllowed", .bool(true)), ("ocoAllowed", .bool(true)), ("isSpotTradingAllowed", .bool(true)),
            ("isMarginTradingAllowed", .bool(false)), ("filters", .array(filters)), ("permissions", .array([])),
            ("permissionSets", .array([.array([.string("SPOT")])])),
            ("defaultSelfTradePreventionMode", .string("EXPIRE_MAKER")),
            ("allowedSelfTradePreventionModes", .array([.string("EXPIRE_TAKER"), .string("EXPIRE_MAKER"), .string("EXPIRE_BOTH")])),
        ])
    }

    private func klines(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        guard let symbol = request.parameters["symbol"], !symbol.isEmpty else {
            throw .init(status: 400, code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        }
        guard let intervalText = request.parameters["interval"] else {
            throw .init(status: 400, code: -1102, msg: "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.")
        }
        guard let interval = BinanceTestKlines.intervals[intervalText] else {
            throw .init(status: 400, code: -1120, msg: "Invalid interval.")
        }
        func time(_ name: String) throws(BinanceTestExchange.Failure) -> Int64? {
            guard let text = request.parameters[name] else { return nil }
            guard let value = Int64(text) else {
                throw .init(status: 400, code: -1100, msg: "Illegal characters found in parameter '\(name)'; legal range is '^[0-9]{1,20}$'.")
            }
            return value
        }
        let startTime = try time("startTime")
        let endTime = try time("endTime")
        let limit = request.parameters["limit"].flatMap { Int($0) } ?? 500
        guard (1...1000).contains(limit) else {
            throw .init(status: 400, code: -1130, msg: "Invalid data sent for a parameter.")
        }
        let now = now
        let (anchor, tick) = try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> (BinanceTestDecimal, BinanceTestDecimal) in
            guard let market = exchange.markets[symbol], let anchor = exchange.anchors[symbol] else {
                throw .init(status: 400, code: -1121, msg: "Invalid symbol.")
            }
            return (anchor, BinanceTestDecimal(market.tickSize) ?? .zero)
        }
        let rows = BinanceTestKlines.rows(
            anchor: anchor, tick: tick, interval: interval, startTime: startTime, endTime: endTime, limit: limit, now: now)
        return (200, BinanceTestJSON.array(rows).text)
    }

    /// The generated kline row of `symbol` opening at `openTime` (the same as `GET /api/v3/klines`).
    func klineRow(symbol: String, interval: Int64, openTime: Int64) -> BinanceTestJSON? {
        let found = exchange.withLock { exchange -> (BinanceTestDecimal, BinanceTestDecimal)? in
            guard let market = exchange.markets[symbol], let anchor = exchange.anchors[symbol] else { return nil }
            return (anchor, BinanceTestDecimal(market.tickSize) ?? .zero)
        }
        guard let (anchor, tick) = found else { return nil }
        return BinanceTestKlines.row(anchor: anchor, tick: tick, openTime: openTime, interval: interval)
    }

    private func tickerPrice(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> Answer in
            func entry(_ symbol: String) throws(BinanceTestExchange.Failure) -> BinanceTestJSON {
                guard let price = exchange.prices[symbol] else { throw .init(status: 400, code: -1121, msg: "Invalid symbol.") }
                return .object([("symbol", .string(symbol)), ("price", .string(price.wire))])
            }
            if let symbol = request.parameters["symbol"] { return (200, try entry(symbol).text) }
            var all: [BinanceTestJSON] = []
            for symbol in exchange.prices.keys.sorted() { all.append(try entry(symbol)) }
            return (200, BinanceTestJSON.array(all).text)
        }
    }

    private func account(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        let omitZero = request.parameters["omitZeroBalances"] == "true"
        let now = now
        return exchange.withLock { exchange in
            let balances = exchange.balances.keys.sorted().compactMap { asset -> BinanceTestJSON? in
                let balance = exchange.balances[asset]!
                if omitZero, balance.free.isZero, balance.locked.isZero { return nil }
                return .object([("asset", .string(asset)), ("free", .string(balance.free.wire)), ("locked", .string(balance.locked.wire))])
            }
            let rate = exchange.commissionRate.wire
            let body = BinanceTestJSON.object([
                ("makerCommission", .int(10)), ("takerCommission", .int(10)), ("buyerCommission", .int(0)),
                ("sellerCommission", .int(0)),
                ("commissionRates", .object([("maker", .string(rate)), ("taker", .string(rate)), ("buyer", .string("0.00000000")), ("seller", .string("0.00000000"))])),
                ("canTrade", .bool(true)), ("canWithdraw", .bool(true)), ("canDeposit", .bool(true)), ("brokered", .bool(false)),
                ("requireSelfTradePrevention", .bool(false)), ("preventSor", .bool(false)), ("updateTime", .int(now)),
                ("accountType", .string("SPOT")), ("balances", .array(balances)), ("permissions", .array([.string("SPOT")])),
                ("uid", .int(354_937_868)),
            ])
            return (200, body.text)
        }
    }

    private func placeOrder(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        let now = now
        let (body, events) = try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> (String, [BinanceTestJSON]) in
            let (order, events) = try exchange.place(request.parameters, now: now)
            let defaultType = order.type == "MARKET" || order.type == "LIMIT" ? "FULL" : "ACK"
            let responseType = request.parameters["newOrderRespType"] ?? defaultType
            return (exchange.placeJSON(order, responseType: responseType).text, events)
        }
        events.forEach(hub.publish)
        return (200, body)
    }

    private func cancelOrder(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        let (symbol, clientOrderId) = try Self.orderKey(request)
        let now = now
        let (body, events) = try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> (String, [BinanceTestJSON]) in
            let (order, cancelId, events) = try exchange.cancel(symbol: symbol, clientOrderId: clientOrderId, now: now)
            return (exchange.cancelJSON(order, cancelId: cancelId, now: now).text, events)
        }
        events.forEach(hub.publish)
        return (200, body)
    }

    private func queryOrder(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        let (symbol, clientOrderId) = try Self.orderKey(request)
        return try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> Answer in
            guard let index = exchange.index(of: clientOrderId, symbol: symbol) else {
                throw .init(status: 400, code: -2013, msg: "Order does not exist.")
            }
            return (200, exchange.orderJSON(exchange.orders[index]).text)
        }
    }

    private func openOrders(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> Answer {
        let symbol = request.parameters["symbol"]
        return try exchange.withLock { exchange throws(BinanceTestExchange.Failure) -> Answer in
            if let symbol, exchange.markets[symbol] == nil { throw .init(status: 400, code: -1121, msg: "Invalid symbol.") }
            let open = exchange.orders.filter { $0.isWorking && (symbol == nil || $0.symbol == symbol) }
            return (200, BinanceTestJSON.array(open.map(exchange.orderJSON)).text)
        }
    }

    /// `symbol` and `origClientOrderId` (this server does not look orders up by `orderId`).
    private static func orderKey(_ request: RecordedRequest) throws(BinanceTestExchange.Failure) -> (String, String) {
        guard let symbol = request.parameters["symbol"], !symbol.isEmpty else {
            throw .init(status: 400, code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        }
        guard let clientOrderId = request.parameters["origClientOrderId"], !clientOrderId.isEmpty else {
            throw .init(status: 400, code: -1102, msg: "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        }
        return (symbol, clientOrderId)
    }

    // MARK: WebSocket API

    private func serveStream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (id, outgoing) = hub.add()
        defer { hub.remove(id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    hub.send(id, streamRequest(text, connection: id))
                }
            }
            group.addTask {
                for await item in outgoing {
                    switch item {
                    case .text(let text):
                        try await outbound.writeTextMessage(text)
                    case .close:
                        // Returning ends the handler, and Hummingbird closes the connection.
                        return
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// A WebSocket API parameter value as its text (numbers as written in the JSON).
    private enum StreamValue: Decodable {
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                self = .text(string)
            } else if let integer = try? container.decode(Int64.self) {
                self = .text(String(integer))
            } else if let bool = try? container.decode(Bool.self) {
                self = .text(bool ? "true" : "false")
            } else {
                self = .text(String(try container.decode(Double.self)))
            }
        }

        var string: String { switch self { case .text(let value): value } }
    }

    private struct StreamRequest: Decodable {
        let id: StreamValue?
        let method: String
        let params: [String: StreamValue]?
    }

    /// Answers one WebSocket API request; `userDataStream.subscribe.signature` is verified like
    /// Binance: params except `signature` sorted by name, `k=v&…`, HMAC-SHA256 hex.
    private func streamRequest(_ text: String, connection: Int) -> String {
        guard let request = try? JSONDecoder().decode(StreamRequest.self, from: Data(text.utf8)) else {
            return BinanceTestJSON.object([("id", .null), ("status", .int(400)), ("error", .object([("code", .int(-1100)), ("msg", .string("Malformed request."))]))]).text
        }
        let id: BinanceTestJSON = request.id.map { .string($0.string) } ?? .null
        let parameters = (request.params ?? [:]).mapValues(\.string)
        log.withLock {
            $0.append(RecordedRequest(
                method: "WS", path: request.method, rawQuery: "", rawBody: text, parameters: parameters,
                parameterNames: parameters.keys.sorted(), apiKey: parameters["apiKey"], receivedAt: now))
        }
        func failure(_ status: Int, _ code: Int, _ msg: String) -> String {
            BinanceTestJSON.object([("id", id), ("status", .int(Int64(status))), ("error", .object([("code", .int(Int64(code))), ("msg", .string(msg))]))]).text
        }
        switch request.method {
        case "ping":
            return BinanceTestJSON.object([("id", id), ("status", .int(200)), ("result", .object([]))]).text
        case "time":
            return BinanceTestJSON.object([("id", id), ("status", .int(200)), ("result", .object([("serverTime", .int(now))]))]).text
        case "userDataStream.subscribe.signature":
            for name in ["apiKey", "timestamp", "signature"] where parameters[name] == nil {
                return failure(400, -1102, "Mandatory parameter '\(name)' was not sent, was empty/null, or malformed.")
            }
            guard parameters["apiKey"] == apiKey else { return failure(401, -2015, "Invalid API-key, IP, or permissions for action.") }
            let payload = parameters.filter { $0.key != "signature" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: "&")
            guard isValid(signature: parameters["signature"]!, payload: payload) else {
                return failure(400, -1022, "Signature for this request is not valid.")
            }
            guard let timestamp = Int64(parameters["timestamp"]!) else {
                return failure(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
            }
            do {
                try checkWindow(timestamp: timestamp, recvWindow: parameters["recvWindow"])
            } catch {
                return failure(error.status, error.code, error.msg)
            }
            guard let subscription = hub.subscribe(connection) else { return failure(400, -1000, "Connection closed.") }
            return BinanceTestJSON.object([("id", id), ("status", .int(200)), ("result", .object([("subscriptionId", .int(Int64(subscription)))]))]).text
        default:
            return failure(400, -1020, "This operation is not supported.")
        }
    }
}
