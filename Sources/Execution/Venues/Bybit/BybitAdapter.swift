#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import Synchronization
import TradingCore

/// Bybit v5 spot (unified trading account) behind ``VenueAdapter``.
///
/// - Environments: production `https://api.bybit.com`, sandbox the testnet
///   `https://api-testnet.bybit.com`; `configuration.baseURL` overrides either.
/// - Symbols: `BTC/USDT` ↔ `BTCUSDT`. Client order ids travel as `orderLinkId`.
/// - Signing: ``BybitSigner`` with the clock offset measured in ``prepare(symbols:)`` and the
///   configured receive window (`X-BAPI-RECV-WINDOW`).
/// - Orders: `place` rounds with the symbol's rules, sends the rounded decimals, then reads the
///   order back by `orderLinkId` (Bybit's create answer holds only the ids). Market buys are sized in
///   the base coin (`marketUnit=baseCoin`). Stop orders are not supported here and are refused
///   locally.
public final class BybitAdapter: VenueAdapter {
    public let id = "bybit"
    let configuration: VenueConfiguration
    let client: VenueHTTPClient
    let http: BybitHTTP
    let stream: BybitWebSocket?
    private let state = Mutex<State>(State())

    struct State {
        /// Venue clock − local clock, milliseconds.
        var clockOffset: Int64 = 0
        var rules: [TradingSymbol: SymbolRules] = [:]
        var symbols: [String: TradingSymbol] = [:]
    }

    public init(configuration: VenueConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        let baseURL = configuration.baseURL ?? (configuration.sandbox ? BybitHTTP.testnetURL : BybitHTTP.productionURL)
        client = VenueHTTPClient(httpClient: httpClient, venue: "bybit", baseURL: baseURL, configuration: configuration)
        http = BybitHTTP(credentials: configuration.credentials, recvWindow: configuration.receiveWindowMilliseconds)
        stream = BybitWebSocket.make(configuration: configuration)
    }

    /// `BTCUSDT` for `BTC/USDT`.
    public static func venueSymbol(_ symbol: TradingSymbol) -> String { symbol.base + symbol.quote }

    public func rules(for symbol: TradingSymbol) -> SymbolRules? {
        state.withLock { $0.rules[symbol] }
    }

    // MARK: Preparation

    public func prepare(symbols: [TradingSymbol]) async throws(ExecutionError) {
        try configuration.credentials.require(\.apiKey, \.secret, venue: id)
        try await syncClock()
        for symbol in symbols {
            _ = try await loadRules(symbol)
        }
        // A signed call, so refused keys fail here rather than on the first order.
        _ = try await balances()
    }

    /// Measures the venue's clock against ours (the midpoint of the round trip).
    func syncClock() async throws(ExecutionError) {
        let before = Self.nowMilliseconds()
        let response = try await client.send(http.publicGET(BybitHTTP.Path.time, []))
        let after = Self.nowMilliseconds()
        let status = try BybitParse.decode(BybitModels.Envelope<BybitModels.ServerTime>.self, response.body, label: "GET \(BybitHTTP.Path.time)")
        guard status.retCode == 0 else {
            throw BybitParse.error(code: status.retCode, message: status.retMsg ?? "", label: "GET \(BybitHTTP.Path.time)")
        }
        let server = status.result.timeNano.flatMap { Int64($0) }.map { $0 / 1_000_000 }
            ?? status.time ?? status.result.timeSecond.flatMap { Int64($0) }.map { $0 * 1000 }
        guard let server else {
            throw ExecutionError(.unreachable, "bybit: the time answer has no time")
        }
        let offset = server - (before + after) / 2
        state.withLock { $0.clockOffset = offset }
    }

    func loadRules(_ symbol: TradingSymbol) async throws(ExecutionError) -> SymbolRules {
        let name = Self.venueSymbol(symbol)
        let label = "GET \(BybitHTTP.Path.instruments)"
        let response = try await client.send(http.publicGET(BybitHTTP.Path.instruments, [("category", "spot"), ("symbol", name)]))
        let instruments = try BybitParse.result(BybitModels.Instruments.self, response, label: label)
        guard let instrument = instruments.list.first(where: { $0.symbol == name }) else {
            throw ExecutionError(.rejected, "bybit: no spot market \(name)")
        }
        let rules = BybitParse.rules(instrument, symbol: symbol)
        state.withLock {
            $0.rules[symbol] = rules
            $0.symbols[name] = symbol
        }
        return rules
    }

    var timestamp: Int64 { Self.nowMilliseconds() + state.withLock { $0.clockOffset } }

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: Orders

    public func place(_ request: VenueOrderRequest) async throws(ExecutionError) -> VenueOrder {
        guard BybitHTTP.isValidOrderLinkId(request.clientOrderId) else {
            throw ExecutionError(.rejected, "bybit: clientOrderId must be 1–36 letters, digits, '-' or '_'")
        }
        guard request.type == .market || request.type == .limit else {
            throw ExecutionError(.rejected, "bybit: \(request.type.rawValue) orders are not supported by this adapter")
        }
        let rules: SymbolRules
        if let loaded = self.rules(for: request.symbol) { rules = loaded } else { rules = try await loadRules(request.symbol) }
        let prepared = try rules.prepare(request, referencePrice: request.referencePrice)
        let label = "POST \(BybitHTTP.Path.create)"
        let post = try http.signedPOST(BybitHTTP.Path.create, BybitHTTP.placeBody(prepared, venueSymbol: rules.venueSymbol), timestamp: timestamp)
        let response = try await client.send(post)
        let ack = try BybitParse.result(BybitModels.OrderAck.self, response, label: label)
        // The create answer carries only the ids; the order's state comes from a query. If that
        // query fails, the order is known to exist, so it is answered as accepted.
        let placed = VenueOrder(
            clientOrderId: request.clientOrderId, venueOrderId: ack.orderId, symbol: request.symbol, side: request.side,
            type: request.type, status: .accepted, quantity: prepared.quantity.doubleValue,
            limitPrice: prepared.limitPrice?.doubleValue, updatedAt: Self.nowMilliseconds())
        do {
            return try await order(symbol: request.symbol, clientOrderId: request.clientOrderId) ?? placed
        } catch {
            return placed
        }
    }

    public func cancel(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder {
        let label = "POST \(BybitHTTP.Path.cancel)"
        let post = try http.signedPOST(
            BybitHTTP.Path.cancel, [("category", "spot"), ("symbol", Self.venueSymbol(symbol)), ("orderLinkId", clientOrderId)],
            timestamp: timestamp)
        do {
            _ = try BybitParse.result(BybitModels.OrderAck.self, try await client.send(post), label: label)
        } catch where BybitParse.isFinishedOrMissing(error) {
            // Filled or cancelled already, or never there: its final state tells which.
            if let order = try await order(symbol: symbol, clientOrderId: clientOrderId) { return order }
            throw ExecutionError(.unknownOrder, "bybit: no order \(clientOrderId) on \(symbol)")
        }
        guard let order = try await order(symbol: symbol, clientOrderId: clientOrderId) else {
            throw ExecutionError(.outcomeUnknown, "bybit: order \(clientOrderId) was cancelled but cannot be read back")
        }
        return order
    }

    public func order(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder? {
        let name = Self.venueSymbol(symbol)
        let items = [("category", "spot"), ("symbol", name), ("orderLinkId", clientOrderId)]
        // Realtime holds open orders and the last 500 closed ones; older ones (or after a Bybit
        // restart) are only in the history.
        for path in [BybitHTTP.Path.realtime, BybitHTTP.Path.history] {
            let response = try await client.send(try http.signedGET(path, items, timestamp: timestamp))
            let list: BybitModels.OrderList
            do {
                list = try BybitParse.result(BybitModels.OrderList.self, response, label: "GET \(path)")
            } catch where error.kind == .unknownOrder {
                continue
            }
            if let wire = list.list.first(where: { $0.orderLinkId == clientOrderId }) {
                return BybitParse.order(wire, symbol: symbol)
            }
        }
        return nil
    }

    public func openOrders(symbol: TradingSymbol?) async throws(ExecutionError) -> [VenueOrder] {
        var items = [("category", "spot")]
        if let symbol { items.append(("symbol", Self.venueSymbol(symbol))) }
        items.append(("openOnly", "0"))
        items.append(("limit", "50"))
        var out: [VenueOrder] = []
        var cursor: String?
        for _ in 0..<100 {
            var page = items
            if let cursor { page.append(("cursor", cursor)) }
            let response = try await client.send(try http.signedGET(BybitHTTP.Path.realtime, page, timestamp: timestamp))
            let list = try BybitParse.result(BybitModels.OrderList.self, response, label: "GET \(BybitHTTP.Path.realtime)")
            for wire in list.list {
                guard let tradingSymbol = symbol ?? self.tradingSymbol(wire.symbol) else { continue }
                let order = BybitParse.order(wire, symbol: tradingSymbol)
                if order.status.isWorking || order.status == .submitted { out.append(order) }
            }
            guard let next = list.nextPageCursor, !next.isEmpty, !list.list.isEmpty else { break }
            cursor = next
        }
        return out
    }

    public func balances() async throws(ExecutionError) -> [VenueBalance] {
        let response = try await client.send(try http.signedGET(BybitHTTP.Path.wallet, [("accountType", "UNIFIED")], timestamp: timestamp))
        return BybitParse.balances(try BybitParse.result(BybitModels.Wallet.self, response, label: "GET \(BybitHTTP.Path.wallet)"))
    }

    /// Our symbol for a venue name: a prepared one, else split at a known quote coin.
    func tradingSymbol(_ name: String) -> TradingSymbol? {
        if let known = state.withLock({ $0.symbols[name] }) { return known }
        for quote in ["USDT", "USDC", "USDE", "FDUSD", "BTC", "ETH", "EUR", "BRL", "DAI", "USD"] where name.hasSuffix(quote) && name.count > quote.count {
            if let symbol = try? TradingSymbol(base: String(name.dropLast(quote.count)), quote: quote) { return symbol }
        }
        return nil
    }

    // MARK: Private stream

    public func orderUpdates() -> AsyncStream<VenueOrder>? {
        guard let stream else { return nil }
        return stream.updates(
            symbolFor: { [weak self] name in self?.tradingSymbol(name) },
            timestamp: { [weak self] in self?.timestamp ?? Self.nowMilliseconds() })
    }

    public func shutdown() async {
        await stream?.stop()
    }
}
