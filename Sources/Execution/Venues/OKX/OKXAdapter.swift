#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import Synchronization
import TradingCore

/// OKX v5 spot (cash trading) behind ``VenueAdapter``.
///
/// - Environments: production `https://www.okx.com`; sandbox = demo trading, the same host with
///   `x-simulated-trading: 1` on every request; `configuration.baseURL` overrides the host.
/// - Keys: apiKey, secret and the passphrase (`password`), all three required.
/// - Symbols: `BTC/USDT` ↔ `BTC-USDT`. Client order ids travel as `clOrdId`.
/// - Orders: `tdMode=cash`; market buys sized in the base currency (`tgtCcy=base_ccy`); `place`
///   rounds with the symbol's rules and reads the order back by `clOrdId`. Stop orders (OKX algo
///   orders) are not supported here and are refused locally.
public final class OKXAdapter: VenueAdapter {
    public let id = "okx"
    let configuration: VenueConfiguration
    let client: VenueHTTPClient
    let http: OKXHTTP
    let stream: OKXWebSocket?
    private let state = Mutex<State>(State())

    struct State {
        /// Venue clock − local clock, milliseconds.
        var clockOffset: Int64 = 0
        var rules: [TradingSymbol: SymbolRules] = [:]
    }

    public init(configuration: VenueConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        client = VenueHTTPClient(
            httpClient: httpClient, venue: "okx", baseURL: configuration.baseURL ?? OKXHTTP.productionURL, configuration: configuration)
        http = OKXHTTP(credentials: configuration.credentials, demo: configuration.sandbox)
        stream = OKXWebSocket.make(configuration: configuration)
    }

    /// `BTC-USDT` for `BTC/USDT`.
    public static func instrumentId(_ symbol: TradingSymbol) -> String { symbol.base + "-" + symbol.quote }

    public func rules(for symbol: TradingSymbol) -> SymbolRules? {
        state.withLock { $0.rules[symbol] }
    }

    // MARK: Preparation

    public func prepare(symbols: [TradingSymbol]) async throws(ExecutionError) {
        try configuration.credentials.require(\.apiKey, \.secret, \.password, venue: id)
        try await syncClock()
        for symbol in symbols {
            _ = try await loadRules(symbol)
        }
        // A signed call, so refused keys (or a key of the other environment) fail here.
        _ = try await balances()
    }

    func syncClock() async throws(ExecutionError) {
        let label = "GET \(OKXHTTP.Path.time)"
        let before = Self.nowMilliseconds()
        let response = try await client.send(http.publicGET(OKXHTTP.Path.time, []))
        let after = Self.nowMilliseconds()
        guard let server = try OKXParse.data(OKXModels.ServerTime.self, response, label: label).first.flatMap({ Int64($0.ts) }) else {
            throw ExecutionError(.unreachable, "okx: the time answer has no time")
        }
        let offset = server - (before + after) / 2
        state.withLock { $0.clockOffset = offset }
    }

    func loadRules(_ symbol: TradingSymbol) async throws(ExecutionError) -> SymbolRules {
        let instId = Self.instrumentId(symbol)
        let label = "GET \(OKXHTTP.Path.instruments)"
        let response = try await client.send(http.publicGET(OKXHTTP.Path.instruments, [("instType", "SPOT"), ("instId", instId)]))
        guard let instrument = try OKXParse.data(OKXModels.Instrument.self, response, label: label).first(where: { $0.instId == instId }) else {
            throw ExecutionError(.rejected, "okx: no spot market \(instId)")
        }
        let rules = OKXParse.rules(instrument, symbol: symbol)
        state.withLock { $0.rules[symbol] = rules }
        return rules
    }

    var timestamp: Int64 { Self.nowMilliseconds() + state.withLock { $0.clockOffset } }

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: Orders

    public func place(_ request: VenueOrderRequest) async throws(ExecutionError) -> VenueOrder {
        guard OKXHTTP.isValidClientOrderId(request.clientOrderId) else {
            throw ExecutionError(.rejected, "okx: clientOrderId must be 1–32 letters or digits")
        }
        guard request.type == .market || request.type == .limit else {
            throw ExecutionError(.rejected, "okx: \(request.type.rawValue) orders are not supported by this adapter")
        }
        let rules: SymbolRules
        if let loaded = self.rules(for: request.symbol) { rules = loaded } else { rules = try await loadRules(request.symbol) }
        let prepared = try rules.prepare(request, referencePrice: request.referencePrice)
        let post = try http.signedPOST(OKXHTTP.Path.order, OKXHTTP.placeBody(prepared, instId: rules.venueSymbol), timestamp: timestamp)
        let ack = try OKXParse.data(OKXModels.OrderAck.self, try await client.send(post), label: "POST \(OKXHTTP.Path.order)").first
        let placed = VenueOrder(
            clientOrderId: request.clientOrderId, venueOrderId: ack?.ordId, symbol: request.symbol, side: request.side, type: request.type,
            status: .accepted, quantity: prepared.quantity.doubleValue, limitPrice: prepared.limitPrice?.doubleValue,
            updatedAt: Self.nowMilliseconds())
        // The place answer holds only ids; the state comes from a query. If that fails the order
        // is known to exist, so it is answered as accepted.
        do {
            return try await order(symbol: request.symbol, clientOrderId: request.clientOrderId) ?? placed
        } catch {
            return placed
        }
    }

    public func cancel(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder {
        let label = "POST \(OKXHTTP.Path.cancel)"
        let post = try http.signedPOST(OKXHTTP.Path.cancel, [("instId", Self.instrumentId(symbol)), ("clOrdId", clientOrderId)], timestamp: timestamp)
        do {
            _ = try OKXParse.data(OKXModels.OrderAck.self, try await client.send(post), label: label)
        } catch where OKXParse.isFinishedOrMissing(error) {
            if let order = try await order(symbol: symbol, clientOrderId: clientOrderId) { return order }
            throw ExecutionError(.unknownOrder, "okx: no order \(clientOrderId) on \(symbol)")
        }
        guard let order = try await order(symbol: symbol, clientOrderId: clientOrderId) else {
            throw ExecutionError(.outcomeUnknown, "okx: order \(clientOrderId) was cancelled but cannot be read back")
        }
        return order
    }

    public func order(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder? {
        let label = "GET \(OKXHTTP.Path.order)"
        let get = try http.signedGET(OKXHTTP.Path.order, [("instId", Self.instrumentId(symbol)), ("clOrdId", clientOrderId)], timestamp: timestamp)
        do {
            let orders = try OKXParse.data(OKXModels.Order.self, try await client.send(get), label: label)
            return orders.first { $0.clOrdId == clientOrderId }.map { OKXParse.order($0, symbol: symbol) }
        } catch where error.kind == .unknownOrder {
            return nil
        }
    }

    public func openOrders(symbol: TradingSymbol?) async throws(ExecutionError) -> [VenueOrder] {
        var items = [("instType", "SPOT")]
        if let symbol { items.append(("instId", Self.instrumentId(symbol))) }
        var out: [VenueOrder] = []
        var after: String?
        // Pages of 100, newest first; `after` = the last order id seen.
        for _ in 0..<100 {
            var page = items
            if let after { page.append(("after", after)) }
            page.append(("limit", "100"))
            let get = try http.signedGET(OKXHTTP.Path.pending, page, timestamp: timestamp)
            let orders = try OKXParse.data(OKXModels.Order.self, try await client.send(get), label: "GET \(OKXHTTP.Path.pending)")
            for wire in orders {
                guard let tradingSymbol = symbol ?? OKXParse.symbol(wire.instId) else { continue }
                out.append(OKXParse.order(wire, symbol: tradingSymbol))
            }
            guard orders.count == 100, let last = orders.last?.ordId else { break }
            after = last
        }
        return out
    }

    public func balances() async throws(ExecutionError) -> [VenueBalance] {
        let get = try http.signedGET(OKXHTTP.Path.balance, [], timestamp: timestamp)
        return OKXParse.balances(try OKXParse.data(OKXModels.Account.self, try await client.send(get), label: "GET \(OKXHTTP.Path.balance)"))
    }

    // MARK: Private stream

    public func orderUpdates() -> AsyncStream<VenueOrder>? {
        guard let stream else { return nil }
        return stream.updates(timestamp: { [weak self] in self?.timestamp ?? Self.nowMilliseconds() })
    }

    public func shutdown() async {
        await stream?.stop()
    }
}
