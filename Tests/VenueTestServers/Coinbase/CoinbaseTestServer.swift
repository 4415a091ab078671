import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A stateful local Coinbase Advanced Trade venue (`/api/v3/brokerage/…`).
///
/// - Verifies the CDP JWT of every call but `/time` the way Coinbase documents it, from the bytes
///   received: `Authorization: Bearer <header>.<claims>.<signature>`; header `alg` `ES256` (raw
///   r‖s, 64 bytes) or `EdDSA`, `typ` `JWT`, `kid` a registered key, a `nonce`; claims `sub` ==
///   `kid`, `iss` == `cdp`, `nbf` ≤ now < `exp` (a lifetime of at most 120 s, 5 s of skew),
///   `uri` == `"<METHOD> <Host header><path without query>"`; the signature checked with the key's
///   public key. Anything else answers 401 (the reason is kept in the request log).
/// - Market orders (`market_market_ioc` `base_size`) fill at once at ``setPrice(_:_:)`` with the
///   taker fee; limit and stop-limit orders rest until ``fill(clientOrderId:quantity:price:)``
///   (partial fills allowed) with the maker fee. Fees are in the quote currency; balances
///   (`available_balance`, `hold`) move with fills and holds.
/// - Filters: `base_increment` / `price_increment` precision, `base_min_size`, `base_max_size`,
///   `quote_min_size`, balance: `{"success":false,"error_response":{…}}` as Coinbase answers.
/// - A repeated `client_order_id` returns the existing order (as Coinbase documents) and places nothing.
/// - Scripted faults per route (``failNext(_:_:)``), a request log (``requests``), and the public
///   Exchange candles `GET /products/{id}/candles` for the history downloader.
/// - Through ``run(_:)`` also the WebSocket `user` channel (see `CoinbaseTestServer+Stream.swift`).
public final class CoinbaseTestServer: Sendable {
    /// One product as `GET /products/{id}` publishes it.
    public struct Product: Sendable {
        public var id: String
        public var base: String
        public var quote: String
        public var baseIncrement: String
        public var quoteIncrement: String
        public var priceIncrement: String
        public var baseMinSize: String
        public var baseMaxSize: String
        public var quoteMinSize: String
        public var quoteMaxSize: String

        public init(
            id: String, base: String, quote: String, baseIncrement: String, quoteIncrement: String, priceIncrement: String,
            baseMinSize: String, baseMaxSize: String, quoteMinSize: String, quoteMaxSize: String
        ) {
            self.id = id
            self.base = base
            self.quote = quote
            self.baseIncrement = baseIncrement
            self.quoteIncrement = quoteIncrement
            self.priceIncrement = priceIncrement
            self.baseMinSize = baseMinSize
            self.baseMaxSize = baseMaxSize
            self.quoteMinSize = quoteMinSize
            self.quoteMaxSize = quoteMaxSize
        }

        /// `BTC-USD` with Coinbase's published increments.
        public static let btcusd = Product(
            id: "BTC-USD", base: "BTC", quote: "USD", baseIncrement: "0.00000001", quoteIncrement: "0.01", priceIncrement: "0.01",
            baseMinSize: "0.00000001", baseMaxSize: "3400", quoteMinSize: "1", quoteMaxSize: "150000000")
    }

    /// A public key allowed to sign.
    public enum PublicKey: Sendable {
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    /// A request as received.
    public struct RecordedRequest: Sendable {
        public var method: String
        /// The path without the query.
        public var path: String
        public var query: [String: String]
        public var headers: [String: String]
        /// The `Host` the client sent (the JWT `uri` must name it).
        public var host: String
        public var body: String
        /// The verified JWT's claims as JSON text (nil when unsigned or refused).
        public var claims: [String: String]
        /// Why the JWT was refused; nil when accepted or not needed.
        public var authFailure: String?
        public var status: Int = 200
    }

    /// A scripted answer for the next call of a route (`POST /orders`, `GET /accounts`, …).
    public enum Fault: Sendable {
        /// HTTP 429 with `Retry-After` (seconds text, or none); nothing happens.
        case rateLimit(retryAfter: String?)
        /// The call takes effect, the answer comes after `seconds` (the client times out first).
        case delayedAnswer(seconds: Double)
        /// HTTP `status` with an error body; with `takesEffect` the call happens anyway.
        case httpStatus(Int, takesEffect: Bool)
        /// `success:false` with this `error_response.error` / `message` (orders only).
        case orderFailure(error: String, message: String)
    }

    struct Order {
        var id: String
        var clientId: String
        var product: Product
        var side: String
        var type: String
        var leg: String
        var size: Double
        var sizeText: String
        var limitText: String?
        var stopText: String?
        var stopDirection: String?
        var filled: Double = 0
        var value: Double = 0
        var fees: Double = 0
        var fills = 0
        var status: String
        var created: Date
        var lastFill: Date?
        var held: Double = 0
        var cancelMessage = ""
    }

    struct State {
        var keys: [String: PublicKey]
        var products: [Product]
        var prices: [String: Double]
        var available: [String: Double]
        var holds: [String: Double] = [:]
        var orders: [Order] = []
        var faults: [String: [Fault]] = [:]
        var requests: [RecordedRequest] = []
        var candles: [String: [[Double]]] = [:]
        var makerFee: Double = 0.004
        var takerFee: Double = 0.006
        var nextId = 1
    }

    let state: Mutex<State>
    /// Private-stream connections (see `CoinbaseTestServer+Stream.swift`).
    let hub = TestPrivateStreamHub()

    /// `keys`: key name → public key. `balances`: currency → available.
    public init(
        keys: [String: PublicKey], products: [Product] = [.btcusd], prices: [String: Double] = ["BTC-USD": 30000],
        balances: [String: Double]
    ) {
        state = Mutex(State(keys: keys, products: products, prices: prices, available: balances))
    }

    // MARK: Hooks

    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Requests for `"METHOD /path"` (the path after `/api/v3/brokerage`), e.g. `"POST /orders"`.
    public func requests(to route: String) -> [RecordedRequest] {
        requests.filter { Self.route(method: $0.method, path: $0.path) == route }
    }

    public func setPrice(_ productId: String, _ price: Double) {
        state.withLock { $0.prices[productId] = price }
    }

    public func setFees(maker: Double, taker: Double) {
        state.withLock {
            $0.makerFee = maker
            $0.takerFee = taker
        }
    }

    /// Scripts the next call of `route` (`"POST /orders"` by default).
    public func failNext(_ fault: Fault, on route: String = "POST /orders") {
        state.withLock { $0.faults[route, default: []].append(fault) }
    }

    /// Candle rows `[time, low, high, open, close, volume]` of a product (any order; served newest first).
    public func setCandles(_ rows: [[Double]], product: String) {
        state.withLock { $0.candles[product] = rows }
    }

    /// Available and held amounts of a currency.
    public func balance(_ currency: String) -> (available: Double, hold: Double) {
        state.withLock { ($0.available[currency] ?? 0, $0.holds[currency] ?? 0) }
    }

    /// Fills `quantity` of a resting order at `price` (maker fee).
    @discardableResult
    public func fill(clientOrderId: String, quantity: Double, price: Double) -> Bool {
        state.withLock { state in
            guard let index = state.orders.firstIndex(where: { $0.clientId == clientOrderId && $0.status == "OPEN" }) else { return false }
            guard quantity > 0, quantity <= state.orders[index].size - state.orders[index].filled + 1e-12 else { return false }
            let before = state.orders
            Self.execute(&state, index: index, quantity: quantity, price: price, feeRate: state.makerFee)
            publishChanges(from: before, to: state.orders)
            return true
        }
    }

    /// The status (`OPEN`, `FILLED`, `CANCELLED`) of the order with this client id.
    public func orderStatus(clientOrderId: String) -> String? {
        state.withLock { $0.orders.first { $0.clientId == clientOrderId }?.status }
    }

    /// How many orders the venue holds.
    public var orderCount: Int { state.withLock { $0.orders.count } }

    // MARK: Routes

    /// The REST routes, for `withLocalServer(router:_:)` (no private stream; ``run(_:)`` serves both).
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router)
        return router
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let prefix = "/api/v3/brokerage"
        router.get("\(prefix)/time") { [self] request, _ in await handle(request, route: "GET /time") }
        router.get("\(prefix)/products/:id") { [self] request, context in
            await handle(request, route: "GET /products/{id}", parameter: context.parameters.get("id"))
        }
        router.get("\(prefix)/accounts") { [self] request, _ in await handle(request, route: "GET /accounts") }
        router.post("\(prefix)/orders") { [self] request, _ in await handle(request, route: "POST /orders") }
        router.post("\(prefix)/orders/batch_cancel") { [self] request, _ in await handle(request, route: "POST /orders/batch_cancel") }
        router.get("\(prefix)/orders/historical/:id") { [self] request, context in
            let id = context.parameters.get("id")
            return await handle(request, route: id == "batch" ? "GET /orders/historical/batch" : "GET /orders/historical/{id}", parameter: id)
        }
        router.get("/products/:id/candles") { [self] request, context in
            await handle(request, route: "GET candles", parameter: context.parameters.get("id"))
        }
    }

    static func route(method: String, path: String) -> String {
        let prefix = "/api/v3/brokerage"
        guard path.hasPrefix(prefix) else { return "\(method) \(path)" }
        var rest = String(path.dropFirst(prefix.count))
        if rest.hasPrefix("/products/") { rest = "/products/{id}" }
        if rest.hasPrefix("/orders/historical/"), rest != "/orders/historical/batch" { rest = "/orders/historical/{id}" }
        return "\(method) \(rest)"
    }

    private func handle(_ request: Request, route: String, parameter: String? = nil) async -> Response {
        var request = request
        let body = String(buffer: (try? await request.collectBody(upTo: 1 << 20)) ?? ByteBuffer())
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let host = request.head.authority ?? headers["host"] ?? ""
        var record = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, query: query, headers: headers, host: host, body: body, claims: [:])

        if route != "GET /time" && route != "GET candles" {
            switch Self.verify(authorization: headers["authorization"], method: record.method, host: host, path: record.path, keys: state.withLock { $0.keys }) {
            case .success(let claims):
                record.claims = claims
            case .failure(let reason):
                record.authFailure = reason.text
                record.status = 401
                state.withLock { $0.requests.append(record) }
                return Self.json(["error": "UNAUTHENTICATED", "error_details": "", "message": "Unauthorized"], status: 401)
            }
        }
        let (status, answer, headersOut, delay) = state.withLock { state -> (Int, Any, [(String, String)], Double?) in
            let fault = state.faults[route]?.isEmpty == false ? state.faults[route]!.removeFirst() : nil
            switch fault {
            case .rateLimit(let retryAfter):
                return (429, ["error": "RATE_LIMIT_EXCEEDED", "message": "Too many requests"], retryAfter.map { [("Retry-After", $0)] } ?? [], nil)
            case .httpStatus(let code, takesEffect: false):
                return (code, ["error": "INTERNAL", "message": "internal error"], [], nil)
            case .orderFailure(let error, let message):
                return (200, Self.orderFailure(error, message, preview: ""), [], nil)
            default:
                break
            }
            let before = state.orders
            let (code, value) = Self.perform(&state, route: route, parameter: parameter, query: query, body: body)
            publishChanges(from: before, to: state.orders)
            switch fault {
            case .delayedAnswer(let seconds): return (code, value, [], seconds)
            case .httpStatus(let status, takesEffect: true): return (status, ["error": "INTERNAL", "message": "internal error"], [], nil)
            default: return (code, value, [], nil)
            }
        }
        record.status = status
        state.withLock { $0.requests.append(record) }
        if let delay { try? await Task.sleep(for: .milliseconds(Int64(delay * 1000))) }
        return Self.json(answer, status: status, headers: headersOut)
    }

    // MARK: JWT

    struct AuthFailure: Error {
        let text: String
    }

    /// The claims of a valid JWT (as strings), or why it is refused.
    static func verify(
        authorization: String?, method: String, host: String, path: String, keys: [String: PublicKey]
    ) -> Result<[String: String], AuthFailure> {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return .failure(.init(text: "no bearer token")) }
        return verify(jwt: authorization.dropFirst("Bearer ".count), uri: "\(method) \(host)\(path)", keys: keys)
    }

    /// The claims of a valid JWT, or why it is refused. `uri`: the claim a REST JWT must carry;
    /// nil for a WebSocket JWT, which must carry none.
    static func verify(jwt: Substring, uri: String?, keys: [String: PublicKey]) -> Result<[String: String], AuthFailure> {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = base64URLDecode(parts[0]), let claimsData = base64URLDecode(parts[1]),
              let signature = base64URLDecode(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
              let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any] else {
            return .failure(.init(text: "malformed JWT"))
        }
        guard header["typ"] as? String == "JWT" else { return .failure(.init(text: "typ")) }
        guard let kid = header["kid"] as? String, let key = keys[kid] else { return .failure(.init(text: "unknown kid")) }
        guard let nonce = header["nonce"] as? String, !nonce.isEmpty else { return .failure(.init(text: "no nonce")) }
        let signingInput = Data((parts[0] + "." + parts[1]).utf8)
        switch (key, header["alg"] as? String) {
        case (.p256(let publicKey), "ES256"):
            guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
                  publicKey.isValidSignature(parsed, for: signingInput) else { return .failure(.init(text: "bad ES256 signature")) }
        case (.ed25519(let publicKey), "EdDSA"):
            guard publicKey.isValidSignature(signature, for: signingInput) else { return .failure(.init(text: "bad EdDSA signature")) }
        default:
            return .failure(.init(text: "alg does not match the key"))
        }
        guard claims["sub"] as? String == kid else { return .failure(.init(text: "sub")) }
        guard claims["iss"] as? String == "cdp" else { return .failure(.init(text: "iss")) }
        guard let nbf = (claims["nbf"] as? NSNumber)?.int64Value, let exp = (claims["exp"] as? NSNumber)?.int64Value else {
            return .failure(.init(text: "nbf/exp"))
        }
        let now = Int64(Date().timeIntervalSince1970)
        guard nbf <= now + 5, now < exp, exp - nbf <= 120 else { return .failure(.init(text: "expired or not yet valid")) }
        guard claims["uri"] as? String == uri else { return .failure(.init(text: "uri")) }
        var strings: [String: String] = ["kid": kid, "alg": header["alg"] as? String ?? "", "nonce": nonce]
        for (name, value) in claims { strings[name] = "\(value)" }
        return .success(strings)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    // MARK: Endpoints

    static func perform(_ state: inout State, route: String, parameter: String?, query: [String: String], body: String) -> (Int, Any) {
        switch route {
        case "GET /time":
            let now = Date()
            let seconds = now.timeIntervalSince1970
            return (200, ["iso": iso(now), "epochSeconds": String(Int64(seconds)), "epochMillis": String(Int64(seconds * 1000))])
        case "GET /products/{id}":
            guard let product = state.products.first(where: { $0.id == parameter }) else {
                return (404, ["error": "NOT_FOUND", "message": "product not found"])
            }
            return (200, [
                "product_id": product.id, "price": format(state.prices[product.id] ?? 0), "base_increment": product.baseIncrement,
                "quote_increment": product.quoteIncrement, "price_increment": product.priceIncrement,
                "base_min_size": product.baseMinSize, "base_max_size": product.baseMaxSize, "quote_min_size": product.quoteMinSize,
                "quote_max_size": product.quoteMaxSize, "base_currency_id": product.base, "quote_currency_id": product.quote,
                "status": "online", "product_type": "SPOT", "trading_disabled": false,
            ])
        case "GET /accounts":
            let currencies = Set(state.available.keys).union(state.holds.keys).sorted()
            let limit = query["limit"].flatMap { Int($0) } ?? 49
            let start = query["cursor"].flatMap { Int($0) } ?? 0
            let page = Array(currencies.dropFirst(start).prefix(limit))
            let hasNext = start + page.count < currencies.count
            let accounts: [[String: Any]] = page.map { currency in
                [
                    "uuid": "acct-\(currency)", "name": "\(currency) Wallet", "currency": currency,
                    "available_balance": ["value": format(state.available[currency] ?? 0), "currency": currency],
                    "hold": ["value": format(state.holds[currency] ?? 0), "currency": currency],
                    "default": true, "active": true, "type": "ACCOUNT_TYPE_CRYPTO", "ready": true,
                ]
            }
            return (200, ["accounts": accounts, "has_next": hasNext, "cursor": hasNext ? String(start + page.count) : "", "size": accounts.count])
        case "POST /orders":
            return (200, createOrder(&state, body: body))
        case "POST /orders/batch_cancel":
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], let ids = object["order_ids"] as? [String] else {
                return (400, ["error": "INVALID_ARGUMENT", "message": "order_ids"])
            }
            let results: [[String: Any]] = ids.map { id in
                guard let index = state.orders.firstIndex(where: { $0.id == id }) else {
                    return ["success": false, "failure_reason": "UNKNOWN_CANCEL_ORDER", "order_id": id]
                }
                guard state.orders[index].status == "OPEN" else {
                    return ["success": false, "failure_reason": "COMMANDER_REJECTED_CANCEL_ORDER", "order_id": id]
                }
                release(&state, index: index)
                state.orders[index].status = "CANCELLED"
                state.orders[index].cancelMessage = "User requested cancel"
                return ["success": true, "failure_reason": "UNKNOWN_CANCEL_FAILURE_REASON", "order_id": id]
            }
            return (200, ["results": results])
        case "GET /orders/historical/{id}":
            guard let order = state.orders.first(where: { $0.id == parameter }) else {
                return (404, ["error": "NOT_FOUND", "message": "order not found"])
            }
            return (200, ["order": describe(order)])
        case "GET /orders/historical/batch":
            var orders = state.orders.reversed().filter { _ in true }
            if let products = query["product_ids"] { orders = orders.filter { products.split(separator: ",").map(String.init).contains($0.product.id) } }
            if let status = query["order_status"] { orders = orders.filter { status.split(separator: ",").map(String.init).contains($0.status) } }
            let limit = query["limit"].flatMap { Int($0) } ?? 100
            let start = query["cursor"].flatMap { Int($0) } ?? 0
            let page = Array(orders.dropFirst(start).prefix(limit))
            let hasNext = start + page.count < orders.count
            return (200, ["orders": page.map(describe), "sequence": "0", "has_next": hasNext, "cursor": hasNext ? String(start + page.count) : ""])
        case "GET candles":
            guard let rows = state.candles[parameter ?? ""] else { return (404, ["message": "NotFound"]) }
            return (200, rows.sorted { $0[0] > $1[0] })
        default:
            return (404, ["error": "NOT_FOUND", "message": "no route"])
        }
    }

    static func orderFailure(_ error: String, _ message: String, preview: String) -> [String: Any] {
        [
            "success": false, "failure_reason": "UNKNOWN_FAILURE_REASON", "order_id": "",
            "error_response": ["error": error, "message": message, "error_details": "", "preview_failure_reason": preview],
        ]
    }

    static func createOrder(_ state: inout State, body: String) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let clientId = object["client_order_id"] as? String, !clientId.isEmpty,
              let productId = object["product_id"] as? String, let side = object["side"] as? String, side == "BUY" || side == "SELL",
              let configuration = object["order_configuration"] as? [String: Any], configuration.count == 1,
              let (legName, legValue) = configuration.first, let leg = legValue as? [String: Any] else {
            return orderFailure("INVALID_ARGUMENT", "malformed order", preview: "")
        }
        if let existing = state.orders.first(where: { $0.clientId == clientId }) {
            // Coinbase: a repeated client_order_id returns the existing order and places nothing.
            return ["success": true, "success_response": ["order_id": existing.id, "product_id": existing.product.id, "side": existing.side, "client_order_id": clientId]]
        }
        guard let product = state.products.first(where: { $0.id == productId }) else {
            return orderFailure("INVALID_PRODUCT_ID", "unknown product", preview: "")
        }
        let type: String
        switch legName {
        case "market_market_ioc": type = "MARKET"
        case "limit_limit_gtc", "limit_limit_fok", "sor_limit_ioc": type = "LIMIT"
        case "stop_limit_stop_limit_gtc": type = "STOP_LIMIT"
        default: return orderFailure("UNSUPPORTED_ORDER_CONFIGURATION", legName, preview: "")
        }
        guard let sizeText = leg["base_size"] as? String, let size = Double(sizeText), size > 0 else {
            return orderFailure("INVALID_ARGUMENT", "base_size", preview: "")
        }
        guard onGrid(sizeText, product.baseIncrement) else {
            return orderFailure("INVALID_SIZE_PRECISION", "Invalid order size precision", preview: "PREVIEW_INVALID_SIZE_PRECISION")
        }
        let limitText = leg["limit_price"] as? String
        let stopText = leg["stop_price"] as? String
        if type != "MARKET" {
            guard let limitText, Double(limitText) ?? 0 > 0 else { return orderFailure("INVALID_ARGUMENT", "limit_price", preview: "") }
            guard onGrid(limitText, product.priceIncrement) else {
                return orderFailure("INVALID_PRICE_PRECISION", "Invalid price precision", preview: "PREVIEW_INVALID_PRICE_PRECISION")
            }
        }
        if type == "STOP_LIMIT" {
            guard let stopText, onGrid(stopText, product.priceIncrement), leg["stop_direction"] is String else {
                return orderFailure("INVALID_ARGUMENT", "stop_price", preview: "")
            }
        }
        if size < Double(product.baseMinSize) ?? 0 {
            return orderFailure("INVALID_SIZE", "Order size is too small", preview: "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL")
        }
        if size > Double(product.baseMaxSize) ?? .infinity {
            return orderFailure("INVALID_SIZE", "Order size is too large", preview: "PREVIEW_INVALID_BASE_SIZE_TOO_LARGE")
        }
        let market = state.prices[product.id] ?? 0
        let price = type == "MARKET" ? market : Double(limitText ?? "") ?? 0
        if size * price < Double(product.quoteMinSize) ?? 0 {
            return orderFailure("INVALID_SIZE", "Order value is too small", preview: "PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL")
        }
        let feeRate = type == "MARKET" ? state.takerFee : state.makerFee
        let needed = side == "BUY" ? size * price * (1 + feeRate) : size
        if needed > (state.available[side == "BUY" ? product.quote : product.base] ?? 0) + 1e-9 {
            return [
                "success": false, "failure_reason": "UNKNOWN_FAILURE_REASON", "order_id": "",
                "error_response": [
                    "error": "INSUFFICIENT_FUND", "message": "Insufficient balance in source account", "error_details": "",
                    "preview_failure_reason": "PREVIEW_INSUFFICIENT_FUND", "new_order_failure_reason": "UNKNOWN_FAILURE_REASON",
                ],
            ]
        }
        let id = String(format: "%08x-0000-4000-8000-%012x", state.nextId, state.nextId * 7919)
        state.nextId += 1
        var order = Order(
            id: id, clientId: clientId, product: product, side: side, type: type, leg: legName, size: size, sizeText: sizeText,
            limitText: limitText, stopText: stopText, stopDirection: leg["stop_direction"] as? String, status: "OPEN", created: Date())
        if type != "MARKET" {
            order.held = needed
            let currency = side == "BUY" ? product.quote : product.base
            state.available[currency, default: 0] -= needed
            state.holds[currency, default: 0] += needed
        }
        state.orders.append(order)
        if type == "MARKET" {
            execute(&state, index: state.orders.count - 1, quantity: size, price: market, feeRate: feeRate)
        }
        return ["success": true, "success_response": ["order_id": id, "product_id": product.id, "side": side, "client_order_id": clientId]]
    }

    static func execute(_ state: inout State, index: Int, quantity: Double, price: Double, feeRate: Double) {
        var order = state.orders[index]
        let value = quantity * price
        let fee = value * feeRate
        let product = order.product
        var release = 0.0
        if order.held > 0 {
            release = order.held * quantity / (order.size - order.filled)
            order.held -= release
            state.holds[order.side == "BUY" ? product.quote : product.base, default: 0] -= release
        }
        if order.side == "BUY" {
            state.available[product.quote, default: 0] += release - value - fee
            state.available[product.base, default: 0] += quantity
        } else {
            state.available[product.base, default: 0] += release - quantity
            state.available[product.quote, default: 0] += value - fee
        }
        order.filled += quantity
        order.value += value
        order.fees += fee
        order.fills += 1
        order.lastFill = Date()
        if order.size - order.filled <= 1e-12 { order.status = "FILLED" }
        state.orders[index] = order
    }

    static func release(_ state: inout State, index: Int) {
        let order = state.orders[index]
        let currency = order.side == "BUY" ? order.product.quote : order.product.base
        state.holds[currency, default: 0] -= order.held
        state.available[currency, default: 0] += order.held
        state.orders[index].held = 0
    }

    static func describe(_ order: Order) -> [String: Any] {
        var leg: [String: Any] = ["base_size": order.sizeText]
        if let limit = order.limitText { leg["limit_price"] = limit }
        if let stop = order.stopText { leg["stop_price"] = stop }
        if let direction = order.stopDirection { leg["stop_direction"] = direction }
        if order.leg == "limit_limit_gtc" { leg["post_only"] = false }
        let average = order.filled > 0 ? order.value / order.filled : 0
        return [
            "order_id": order.id, "product_id": order.product.id, "user_id": "test-user", "order_configuration": [order.leg: leg],
            "side": order.side, "client_order_id": order.clientId, "status": order.status,
            "time_in_force": order.leg == "market_market_ioc" || order.leg == "sor_limit_ioc" ? "IMMEDIATE_OR_CANCEL"
                : (order.leg == "limit_limit_fok" ? "FILL_OR_KILL" : "GOOD_UNTIL_CANCELLED"),
            "created_time": iso(order.created), "completion_percentage": format(order.filled / order.size * 100),
            "filled_size": format(order.filled), "average_filled_price": format(average), "fee": "",
            "number_of_fills": String(order.fills), "filled_value": format(order.value), "pending_cancel": false,
            "size_in_quote": false, "total_fees": format(order.fees), "size_inclusive_of_fees": false,
            "total_value_after_fees": format(order.side == "BUY" ? order.value + order.fees : order.value - order.fees),
            "trigger_status": order.type == "STOP_LIMIT" ? "STOP_PENDING" : "INVALID_ORDER_TYPE", "order_type": order.type,
            "reject_reason": "", "settled": order.status == "FILLED", "product_type": "SPOT", "reject_message": "",
            "cancel_message": order.cancelMessage, "order_placement_source": "RETAIL_ADVANCED",
            "last_fill_time": order.lastFill.map { iso($0) as Any } ?? NSNull(),
        ]
    }

    // MARK: Encoding

    static func json(_ object: Any, status: Int, headers: [(String, String)] = []) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Plain decimal text with at most 8 fraction digits, trailing zeros dropped (`0.0123`, `30000`).
    static func format(_ value: Double) -> String {
        var text = String(format: "%.8f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func fractionDigits(_ text: String) -> Int {
        guard let point = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: point)...].count
    }

    /// Whether decimal `text` is a whole multiple of `step`, in integers.
    static func onGrid(_ text: String, _ step: String) -> Bool {
        let scale = max(fractionDigits(text), fractionDigits(step))
        func scaled(_ value: String) -> Int64? {
            Int64(value.replacingOccurrences(of: ".", with: "") + String(repeating: "0", count: scale - fractionDigits(value)))
        }
        guard let value = scaled(text), let unit = scaled(step), unit > 0 else { return false }
        return value % unit == 0
    }
}
