import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOHTTP1
import Synchronization
import TradingCore

/// Binance spot (REST `api/v3`; private stream on the WebSocket API) behind ``VenueAdapter``.
///
/// - Environments: production `https://api.binance.com`, sandbox (`configuration.sandbox`) the Spot
///   Testnet `https://testnet.binance.vision`; `configuration.baseURL` overrides either.
/// - ``prepare(symbols:)`` measures the clock offset (`GET /api/v3/time`: server time minus the
///   local midpoint of the round trip), loads `LOT_SIZE`/`PRICE_FILTER`/`NOTIONAL` (or legacy
///   `MIN_NOTIONAL`) from `GET /api/v3/exchangeInfo`, then makes a signed `GET /api/v3/account` so
///   bad keys fail before the first order.
/// - Every signed request is stamped with local time plus that offset and
///   `recvWindow = configuration.receiveWindowMilliseconds`. A `-1021` (timestamp outside the
///   window) means the venue refused the request, so the clock is re-synced and the request sent
///   once more; a second `-1021` is `.rejected`.
/// - Orders are named by client order id (`newClientOrderId` / `origClientOrderId`); quantities
///   and prices are rounded by ``SymbolRules/prepare(_:referencePrice:)`` and sent as their exact
///   decimal text.
/// - Only HMAC keys are supported (the credentials' `secret` is the HMAC secret).
public final class BinanceAdapter: VenueAdapter {
    public static let productionURL = "https://api.binance.com"
    public static let sandboxURL = "https://testnet.binance.vision"
    public static let productionWebSocketURL = "wss://ws-api.binance.com:443/ws-api/v3"
    public static let sandboxWebSocketURL = "wss://ws-api.testnet.binance.vision/ws-api/v3"

    public var id: String { "binance" }
    /// The REST host in use.
    public let baseURL: String
    /// The WebSocket API endpoint the private stream connects to.
    public let webSocketURL: String

    let configuration: VenueConfiguration
    let transport: VenueHTTPClient
    let http: BinanceHTTP
    private let state = Mutex(State())

    struct State {
        /// Venue time minus local time, milliseconds.
        var clockOffset: Int64 = 0
        var rules: [TradingSymbol: SymbolRules] = [:]
        var stream: BinanceWebSocket?
    }

    public init(configuration: VenueConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        let base = configuration.baseURL ?? (configuration.sandbox ? Self.sandboxURL : Self.productionURL)
        baseURL = base
        webSocketURL = Self.webSocketURL(configuration: configuration)
        transport = VenueHTTPClient(httpClient: httpClient, venue: "binance", baseURL: base, configuration: configuration)
        http = BinanceHTTP(credentials: configuration.credentials, receiveWindowMilliseconds: configuration.receiveWindowMilliseconds)
    }

    /// `webSocketURL` as given (with `/ws-api/v3` added when it names only a host), else the
    /// `baseURL` override with its scheme swapped, else the environment's endpoint.
    static func webSocketURL(configuration: VenueConfiguration) -> String {
        func withPath(_ url: String) -> String {
            let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
            let afterScheme = trimmed.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            // "ws://host:port" splits into ["ws:", "", "host:port"]: no path yet.
            return afterScheme.count <= 3 ? trimmed + "/ws-api/v3" : trimmed
        }
        if let explicit = configuration.webSocketURL { return withPath(explicit) }
        if let base = configuration.baseURL {
            let swapped = base.hasPrefix("https://") ? "wss://" + base.dropFirst(8)
                : base.hasPrefix("http://") ? "ws://" + base.dropFirst(7) : Substring(base)
            return withPath(String(swapped))
        }
        return configuration.sandbox ? sandboxWebSocketURL : productionWebSocketURL
    }

    // MARK: VenueAdapter

    public func prepare(symbols: [TradingSymbol]) async throws(ExecutionError) {
        try await syncClock()
        var unique: [TradingSymbol] = []
        for symbol in symbols where !unique.contains(symbol) { unique.append(symbol) }
        if !unique.isEmpty {
            let loaded = try await loadRules(unique)
            state.withLock { state in
                for rules in loaded { state.rules[rules.symbol] = rules }
            }
        }
        _ = try await balances()
    }

    public func rules(for symbol: TradingSymbol) -> SymbolRules? {
        state.withLock { $0.rules[symbol] }
    }

    public func orderUpdates() -> AsyncStream<VenueOrder>? {
        guard let apiKey = configuration.credentials.apiKey, let signer = http.signer else { return nil }
        return state.withLock { state -> AsyncStream<VenueOrder> in
            if let stream = state.stream { return stream.updates }
            let stream = BinanceWebSocket(
                url: webSocketURL, apiKey: apiKey, signer: signer, receiveWindowMilliseconds: http.receiveWindowMilliseconds,
                venueTime: { [weak self] in self?.venueTime() ?? Self.localTime() },
                resolveSymbol: { [weak self] name in self?.symbol(forVenueSymbol: name) })
            state.stream = stream
            stream.start()
            return stream.updates
        }
    }

    public func shutdown() async {
        let stream = state.withLock { state -> BinanceWebSocket? in
            defer { state.stream = nil }
            return state.stream
        }
        await stream?.stop()
    }

    // MARK: ExecutionVenue

    public func place(_ request: VenueOrderRequest) async throws(ExecutionError) -> VenueOrder {
        guard let rules = rules(for: request.symbol) else {
            throw ExecutionError(.rejected, "binance: \(request.symbol) has no symbol rules; prepare it first")
        }
        let prepared = try rules.prepare(request, referencePrice: request.referencePrice)
        let response = try await sendSigned(
            .POST, "/api/v3/order", BinanceHTTP.orderParameters(prepared, venueSymbol: rules.venueSymbol),
            operation: "place \(request.clientOrderId)")
        let payload = try BinanceParse.decode(BinanceOrderPayload.self, response, operation: "place \(request.clientOrderId)")
        return BinanceParse.order(payload, symbol: request.symbol)
    }

    public func cancel(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder {
        let response = try await sendSigned(
            .DELETE, "/api/v3/order", [("symbol", venueSymbol(symbol)), ("origClientOrderId", clientOrderId)],
            operation: "cancel \(clientOrderId)")
        let payload = try BinanceParse.decode(BinanceOrderPayload.self, response, operation: "cancel \(clientOrderId)")
        return BinanceParse.order(payload, symbol: symbol)
    }

    /// `GET /api/v3/order`. Binance's order answer carries no commissions, so `cumulativeFee` is
    /// nil here (the place answer and the private stream carry them).
    public func order(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder? {
        let response: VenueHTTPResponse
        do {
            response = try await sendSigned(
                .GET, "/api/v3/order", [("symbol", venueSymbol(symbol)), ("origClientOrderId", clientOrderId)],
                operation: "query \(clientOrderId)")
        } catch where error.kind == .unknownOrder {
            return nil
        }
        let payload = try BinanceParse.decode(BinanceOrderPayload.self, response, operation: "query \(clientOrderId)")
        return BinanceParse.order(payload, symbol: symbol)
    }

    /// `GET /api/v3/openOrders`. Orders on a market that was neither prepared nor has a known
    /// quote asset (so cannot be named `BASE/QUOTE`) are left out.
    public func openOrders(symbol: TradingSymbol?) async throws(ExecutionError) -> [VenueOrder] {
        let parameters = symbol.map { [("symbol", venueSymbol($0))] } ?? []
        let response = try await sendSigned(.GET, "/api/v3/openOrders", parameters, operation: "openOrders")
        let payloads = try BinanceParse.decode([BinanceOrderPayload].self, response, operation: "openOrders")
        return payloads.compactMap { payload in
            guard let resolved = symbol ?? self.symbol(forVenueSymbol: payload.symbol) else { return nil }
            return BinanceParse.order(payload, symbol: resolved)
        }
    }

    /// `GET /api/v3/account?omitZeroBalances=true`.
    public func balances() async throws(ExecutionError) -> [VenueBalance] {
        let response = try await sendSigned(.GET, "/api/v3/account", [("omitZeroBalances", "true")], operation: "account")
        return BinanceParse.balances(try BinanceParse.decode(BinanceAccount.self, response, operation: "account"))
    }

    // MARK: Internals

    /// Local time plus the measured offset: what signed requests are stamped with.
    func venueTime() -> Int64 { Self.localTime() + state.withLock { $0.clockOffset } }

    /// The measured venue-minus-local clock offset in milliseconds.
    public var clockOffsetMilliseconds: Int64 { state.withLock { $0.clockOffset } }

    static func localTime() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    private var secrets: [String] { [configuration.credentials.apiKey, configuration.credentials.secret].compactMap { $0 } }

    private func venueSymbol(_ symbol: TradingSymbol) -> String {
        rules(for: symbol)?.venueSymbol ?? BinanceHTTP.venueSymbol(symbol)
    }

    func symbol(forVenueSymbol name: String) -> TradingSymbol? {
        let prepared = state.withLock { state in
            Dictionary(state.rules.values.map { ($0.venueSymbol, $0.symbol) }, uniquingKeysWith: { first, _ in first })
        }
        return BinanceParse.symbol(name, prepared: prepared)
    }

    /// `GET /api/v3/time`: offset = server time − local midpoint of the round trip.
    func syncClock() async throws(ExecutionError) {
        let sent = Self.localTime()
        let response = try await transport.send(BinanceHTTP.serverTime())
        let received = Self.localTime()
        guard (200..<300).contains(response.status) else {
            throw BinanceParse.failure(response, operation: "time", secrets: secrets)
        }
        let time = try BinanceParse.decode(BinanceServerTime.self, response, operation: "time")
        state.withLock { $0.clockOffset = time.serverTime - (sent + received) / 2 }
    }

    private func loadRules(_ symbols: [TradingSymbol]) async throws(ExecutionError) -> [SymbolRules] {
        let response = try await transport.send(BinanceHTTP.exchangeInfo(venueSymbols: symbols.map(BinanceHTTP.venueSymbol)))
        if !(200..<300).contains(response.status) {
            guard BinanceParse.errorBody(response)?.code == -1121 else {
                throw BinanceParse.failure(response, operation: "exchangeInfo", secrets: secrets)
            }
            // One unknown name fails the whole list; ask one at a time to say which.
            if symbols.count > 1 {
                for symbol in symbols { _ = try await loadRules([symbol]) }
            }
            throw ExecutionError(.rejected, "binance: unknown symbol \(symbols[0]) (\(BinanceHTTP.venueSymbol(symbols[0])))")
        }
        let info = try BinanceParse.decode(BinanceExchangeInfo.self, response, operation: "exchangeInfo")
        return try BinanceParse.rules(info, for: symbols)
    }

    /// Sends a signed request and returns its 2xx answer; any other answer is thrown as the
    /// mapped ``ExecutionError``. A `-1021` re-syncs the clock and is retried once: Binance
    /// refused that request, so sending it again cannot duplicate an order.
    private func sendSigned(
        _ method: HTTPMethod, _ path: String, _ parameters: [(String, String)], operation: String
    ) async throws(ExecutionError) -> VenueHTTPResponse {
        var resynced = false
        while true {
            let request = try http.signed(method, path, parameters, timestamp: venueTime())
            let response = try await transport.send(request)
            if (200..<300).contains(response.status) { return response }
            if !resynced, BinanceParse.errorBody(response)?.code == -1021 {
                resynced = true
                try await syncClock()
                continue
            }
            throw BinanceParse.failure(response, operation: operation, secrets: secrets)
        }
    }
}
