#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import NIOHTTP1
import Synchronization
import TradingCore

/// Coinbase Advanced Trade spot over REST (`https://api.coinbase.com`, sandbox
/// `https://api-sandbox.coinbase.com`; `baseURL` overrides either), with CDP keys: `apiKey` is the
/// key name (`organizations/…/apiKeys/…`), `secret` its private key (see ``CoinbaseSigner``);
/// fills also from the WebSocket `user` channel (``CoinbaseWebSocket``).
///
/// - Products are `BTC-USD`. Rules: `base_increment` (step), `price_increment` (tick, else
///   `quote_increment`), `base_min_size`, `base_max_size`, `quote_min_size`, `quote_max_size`.
/// - Every call under `/api/v3/brokerage` except `/time` carries a fresh JWT whose `uri` is the
///   method, the host actually requested and the path without the query; its `nbf` uses the
///   venue's clock as measured by ``prepare(symbols:)``.
/// - Orders: `POST /orders` with the caller's `client_order_id`; market → `market_market_ioc`
///   (`base_size`), limit → `limit_limit_gtc` / `sor_limit_ioc` / `limit_limit_fok`, stop-limit →
///   `stop_limit_stop_limit_gtc`. The answer names the order id only, so ``place(_:)`` reads the
///   order back for its fills.
/// - **Finding an order by client id.** Advanced Trade has no supported lookup by client order id
///   (the `client_order_id` query of Get Order is deprecated), and re-POSTing the id — which would
///   return the existing order — is never done: if the first POST never reached the venue it would
///   place the order. So the adapter remembers the order id of every order it placed, and
///   otherwise pages through `GET /orders/historical/batch` of the product, newest first, keeping
///   the order whose `client_order_id` matches (up to ``lookupPages`` pages of 250).
/// - Cancels go to `POST /orders/batch_cancel` by order id, looked up as above.
public final class CoinbaseAdapter: VenueAdapter {
    public var id: String { "coinbase" }
    public static let productionURL = "https://api.coinbase.com"
    public static let sandboxURL = "https://api-sandbox.coinbase.com"
    /// How many pages (of ``pageSize``) a lookup by client order id reads before it gives up.
    public static let lookupPages = 4
    static let pageSize = 250

    let configuration: VenueConfiguration
    let http: VenueHTTPClient
    /// `host[:port]` of the base URL, for the JWT `uri`.
    let host: String
    let signer: CoinbaseSigner?
    private let state = Mutex(State())

    struct State {
        var rules: [TradingSymbol: SymbolRules] = [:]
        /// Client order id → Coinbase order id, for orders placed or seen here.
        var orderIds: [String: String] = [:]
        /// Venue clock minus ours, in seconds.
        var clockOffsetSeconds: Int64 = 0
        /// The private stream, once ``orderUpdates()`` started it.
        var stream: CoinbaseWebSocket?
    }

    public init(configuration: VenueConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        let baseURL = configuration.baseURL ?? (configuration.sandbox ? Self.sandboxURL : Self.productionURL)
        http = VenueHTTPClient(httpClient: httpClient, venue: "coinbase", baseURL: baseURL, configuration: configuration)
        host = CoinbaseHTTP.host(ofBaseURL: http.baseURL)
        if let name = configuration.credentials.apiKey, let secret = configuration.credentials.secret {
            signer = CoinbaseSigner(keyName: name, secret: secret)
        } else {
            signer = nil
        }
    }

    public func rules(for symbol: TradingSymbol) -> SymbolRules? {
        state.withLock { $0.rules[symbol] }
    }

    /// Venue clock minus ours (s), as measured by the last ``prepare(symbols:)``.
    public var clockOffsetSeconds: Int64 { state.withLock { $0.clockOffsetSeconds } }

    // MARK: Prepare

    public func prepare(symbols: [TradingSymbol]) async throws(ExecutionError) {
        let before = Date().timeIntervalSince1970
        let time = try CoinbaseParse.decode(
            try await http.send(CoinbaseHTTP.request(.GET, "/time", host: host, signer: nil, now: 0)),
            as: CoinbaseModels.ServerTime.self, label: "GET /time")
        let local = (before + Date().timeIntervalSince1970) / 2
        if let seconds = time.epochSeconds.flatMap({ Double($0) }) {
            state.withLock { $0.clockOffsetSeconds = Int64((seconds - local).rounded()) }
        }
        for symbol in symbols {
            let productId = CoinbaseHTTP.productId(symbol)
            let product = try CoinbaseParse.decode(
                try await send(.GET, "/products/\(productId)"), as: CoinbaseModels.Product.self, label: "GET /products/\(productId)")
            let rules = CoinbaseParse.rules(for: symbol, product: product)
            state.withLock { $0.rules[symbol] = rules }
        }
        // A signed call now, so bad keys fail here rather than on the first order.
        _ = try CoinbaseParse.decode(
            try await send(.GET, "/accounts", query: [("limit", "1")]), as: CoinbaseModels.AccountsPage.self, label: "GET /accounts")
    }

    // MARK: Orders

    public func place(_ request: VenueOrderRequest) async throws(ExecutionError) -> VenueOrder {
        guard let rules = rules(for: request.symbol) else {
            throw ExecutionError(.rejected, "coinbase: \(request.symbol) is not prepared (no symbol rules loaded)")
        }
        let prepared = try rules.prepare(request, referencePrice: request.referencePrice)
        let body = try CoinbaseHTTP.createOrder(prepared, productId: rules.venueSymbol)
        let answer = try CoinbaseParse.decode(
            try await send(.POST, "/orders", body: body), as: CoinbaseModels.CreateOrderResponse.self, label: "POST /orders")
        guard answer.success, let orderId = answer.successResponse?.orderId else {
            throw ExecutionError(.rejected, "coinbase: order \(request.clientOrderId) rejected: \(CoinbaseParse.failureReason(answer))")
        }
        state.withLock { $0.orderIds[request.clientOrderId] = orderId }
        let placed = VenueOrder(
            clientOrderId: request.clientOrderId, venueOrderId: orderId, symbol: request.symbol, side: request.side, type: request.type,
            status: .accepted, quantity: prepared.quantity.doubleValue, limitPrice: prepared.limitPrice?.doubleValue,
            stopPrice: prepared.stopPrice?.doubleValue, updatedAt: Int64(Date().timeIntervalSince1970 * 1000))
        // The order is live; reading it back only adds its fills.
        guard let current = try? await fetch(orderId: orderId, symbol: request.symbol) else { return placed }
        return current
    }

    public func cancel(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder {
        guard let orderId = try await orderId(symbol: symbol, clientOrderId: clientOrderId) else {
            throw ExecutionError(.unknownOrder, "coinbase: no order with client order id \(clientOrderId)")
        }
        let body = try CoinbaseHTTP.encode(CoinbaseModels.CancelOrders(orderIds: [orderId]))
        let answer = try CoinbaseParse.decode(
            try await send(.POST, "/orders/batch_cancel", body: body), as: CoinbaseModels.CancelResponse.self,
            label: "POST /orders/batch_cancel")
        guard let result = answer.results.first(where: { $0.orderId == orderId }) ?? answer.results.first else {
            throw ExecutionError(.outcomeUnknown, "coinbase: the cancel of \(clientOrderId) got no result")
        }
        guard result.success else {
            let reason = result.failureReason ?? "no reason given"
            throw ExecutionError(reason == "UNKNOWN_CANCEL_ORDER" ? .unknownOrder : .rejected, "coinbase: cancel of \(clientOrderId) failed: \(reason)")
        }
        guard let order = try await fetch(orderId: orderId, symbol: symbol) else {
            throw ExecutionError(.unknownOrder, "coinbase: order \(clientOrderId) is not found after its cancel")
        }
        return order
    }

    public func order(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder? {
        if let known = state.withLock({ $0.orderIds[clientOrderId] }) {
            return try await fetch(orderId: known, symbol: symbol)
        }
        return try await search(symbol: symbol, clientOrderId: clientOrderId)
    }

    public func openOrders(symbol: TradingSymbol?) async throws(ExecutionError) -> [VenueOrder] {
        var query = [("order_status", "OPEN")]
        if let symbol { query.append(("product_ids", CoinbaseHTTP.productId(symbol))) }
        var orders: [VenueOrder] = []
        try await forEachOrderPage(query: query, maxPages: 40) { page in
            for order in page {
                guard let owner = CoinbaseHTTP.symbol(productId: order.productId), symbol == nil || owner == symbol else { continue }
                orders.append(CoinbaseParse.order(order, symbol: owner))
            }
            return false
        }
        return orders
    }

    public func balances() async throws(ExecutionError) -> [VenueBalance] {
        var accounts: [CoinbaseModels.Account] = []
        var cursor: String?
        for _ in 0..<40 {
            var query = [("limit", String(Self.pageSize))]
            if let cursor { query.append(("cursor", cursor)) }
            let page = try CoinbaseParse.decode(
                try await send(.GET, "/accounts", query: query), as: CoinbaseModels.AccountsPage.self, label: "GET /accounts")
            accounts += page.accounts
            guard page.hasNext == true, let next = page.cursor, !next.isEmpty else { break }
            cursor = next
        }
        return CoinbaseParse.balances(accounts)
    }

    // MARK: Lookups

    func fetch(orderId: String, symbol: TradingSymbol) async throws(ExecutionError) -> VenueOrder? {
        let label = "GET /orders/historical/{order_id}"
        let response = try await send(.GET, "/orders/historical/\(orderId)")
        if response.status == 404 { return nil }
        let envelope = try CoinbaseParse.decode(response, as: CoinbaseModels.OrderEnvelope.self, label: label)
        return CoinbaseParse.order(envelope.order, symbol: symbol)
    }

    func orderId(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> String? {
        if let known = state.withLock({ $0.orderIds[clientOrderId] }) { return known }
        return try await search(symbol: symbol, clientOrderId: clientOrderId)?.venueOrderId
    }

    /// Pages the product's order history (newest first) for `clientOrderId`; see the type's notes.
    func search(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder? {
        var found: CoinbaseModels.Order?
        try await forEachOrderPage(query: [("product_ids", CoinbaseHTTP.productId(symbol))], maxPages: Self.lookupPages) { page in
            found = page.first { $0.clientOrderId == clientOrderId }
            return found != nil
        }
        guard let found else { return nil }
        state.withLock { $0.orderIds[clientOrderId] = found.orderId }
        return CoinbaseParse.order(found, symbol: symbol)
    }

    /// Reads `GET /orders/historical/batch` pages until `visit` answers true, the last page, or `maxPages`.
    func forEachOrderPage(
        query: [(String, String)], maxPages: Int, _ visit: ([CoinbaseModels.Order]) -> Bool
    ) async throws(ExecutionError) {
        var cursor: String?
        for _ in 0..<maxPages {
            var pageQuery = query + [("limit", String(Self.pageSize))]
            if let cursor { pageQuery.append(("cursor", cursor)) }
            let page = try CoinbaseParse.decode(
                try await send(.GET, "/orders/historical/batch", query: pageQuery), as: CoinbaseModels.OrdersPage.self,
                label: "GET /orders/historical/batch")
            if visit(page.orders) { return }
            guard page.hasNext == true, let next = page.cursor, !next.isEmpty else { return }
            cursor = next
        }
    }

    // MARK: Private stream

    /// Order updates from the `user` channel (see ``CoinbaseWebSocket``), started on the first
    /// call, for the prepared products; nil without a usable key, and in the sandbox (Coinbase's
    /// sandbox has no WebSocket) unless `baseURL`/`webSocketURL` name a host.
    public func orderUpdates() -> AsyncStream<VenueOrder>? {
        guard let signer, let url = CoinbaseWebSocket.url(configuration: configuration) else { return nil }
        let stream = state.withLock { state -> CoinbaseWebSocket in
            if let stream = state.stream { return stream }
            let stream = CoinbaseWebSocket(
                signer: signer,
                now: { [weak self] in Int64(Date().timeIntervalSince1970) + (self?.clockOffsetSeconds ?? 0) },
                productIds: { [weak self] in
                    (self?.state.withLock { $0.rules.values.map(\.venueSymbol) } ?? []).sorted()
                })
            state.stream = stream
            return stream
        }
        return stream.updates(url: url)
    }

    public func shutdown() async {
        await state.withLock { $0.stream }?.stop()
    }

    // MARK: Transport

    /// A signed call with a fresh JWT.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8] = []) async throws(ExecutionError) -> VenueHTTPResponse {
        try configuration.credentials.require(\.apiKey, \.secret, venue: "coinbase")
        guard let signer else {
            throw ExecutionError(.authenticationFailed, "coinbase: the secret is not a P-256 (PEM) or Ed25519 private key")
        }
        let now = Int64(Date().timeIntervalSince1970) + clockOffsetSeconds
        return try await http.send(CoinbaseHTTP.request(method, path, query: query, body: body, host: host, signer: signer, now: now))
    }
}
