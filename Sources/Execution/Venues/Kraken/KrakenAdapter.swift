#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import Synchronization
import TradingCore

/// Kraken spot over REST (`https://api.kraken.com`; Kraken has no spot test environment, so
/// ``VenueCatalog`` lists it without a sandbox), with fills from the WebSocket v2 `executions`
/// channel (``KrakenWebSocket``).
///
/// - Pairs: `BTC/USD` is `XBTUSD` (`BTC` → `XBT`, `DOGE` → `XDG`); `AssetPairs` answers by the
///   canonical name (`XXBTZUSD`) with the `altname` we send.
/// - Rules: `lot_decimals` → step 10^−lot_decimals, `tick_size`, `ordermin`, `costmin`.
/// - Orders carry the caller's id as `cl_ord_id`; queries and cancels use it. `AddOrder` answers
///   only the txid, so ``place(_:)`` reads the order back (`QueryOrders`) for its fills.
/// - Private calls are signed with an always-increasing nonce and sent one at a time (see
///   ``KrakenNonceSequencer``). `EAPI:Invalid nonce` on a read resyncs the nonce and retries once;
///   on a place it is reported (`.authenticationFailed`), never retried.
/// - API errors come as HTTP 200 with `error[]`; see ``KrakenParse/error(_:endpoint:kind:now:)``.
public final class KrakenAdapter: VenueAdapter {
    public var id: String { "kraken" }
    public static let defaultBaseURL = "https://api.kraken.com"

    let configuration: VenueConfiguration
    let http: VenueHTTPClient
    let signer: KrakenSigner?
    let nonces: KrakenNonceSequencer
    private let state = Mutex(State())

    struct State {
        var rules: [TradingSymbol: SymbolRules] = [:]
        /// Every name Kraken may use for a prepared pair (`XXBTZUSD`, `XBTUSD`, `XBT/USD`).
        var symbolsByPair: [String: TradingSymbol] = [:]
        /// Venue clock minus ours, in milliseconds, from `Time`.
        var clockOffsetMilliseconds: Int64 = 0
        /// The private stream, once ``orderUpdates()`` started it.
        var stream: KrakenWebSocket?
    }

    public init(configuration: VenueConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        http = VenueHTTPClient(
            httpClient: httpClient, venue: "kraken", baseURL: configuration.baseURL ?? Self.defaultBaseURL, configuration: configuration)
        signer = configuration.credentials.secret.flatMap { KrakenSigner(secret: $0) }
        nonces = KrakenNonceSequencer(clock: { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) })
    }

    public func rules(for symbol: TradingSymbol) -> SymbolRules? {
        state.withLock { $0.rules[symbol] }
    }

    /// Venue clock minus ours (ms), as measured by the last ``prepare(symbols:)``.
    public var clockOffsetMilliseconds: Int64 { state.withLock { $0.clockOffsetMilliseconds } }

    // MARK: Prepare

    public func prepare(symbols: [TradingSymbol]) async throws(ExecutionError) {
        let before = Date().timeIntervalSince1970
        let time = try KrakenParse.result(
            try await http.send(KrakenHTTP.publicRequest("Time")), as: KrakenModels.Time.self, endpoint: "Time", kind: .read)
        let local = (before + Date().timeIntervalSince1970) / 2
        if !symbols.isEmpty {
            let names = symbols.map(KrakenHTTP.pairName).joined(separator: ",")
            let pairs = try KrakenParse.result(
                try await http.send(KrakenHTTP.publicRequest("AssetPairs", query: [("pair", names)])),
                as: [String: KrakenModels.AssetPair].self, endpoint: "AssetPairs", kind: .read)
            var loaded: [(SymbolRules, [String])] = []
            for symbol in symbols {
                guard let found = KrakenParse.rules(for: symbol, in: pairs) else {
                    throw ExecutionError(.rejected, "kraken: no asset pair for \(symbol) (\(KrakenHTTP.pairName(symbol)))")
                }
                loaded.append(found)
            }
            state.withLock { state in
                for (rules, names) in loaded {
                    state.rules[rules.symbol] = rules
                    for name in names { state.symbolsByPair[name] = rules.symbol }
                }
            }
        }
        state.withLock { $0.clockOffsetMilliseconds = time.unixtime * 1000 - Int64(local * 1000) }
        // A signed call now, so bad keys fail here rather than on the first order.
        _ = try await privateCall("Balance", [], as: [String: String].self, kind: .read)
    }

    // MARK: Orders

    public func place(_ request: VenueOrderRequest) async throws(ExecutionError) -> VenueOrder {
        guard let rules = rules(for: request.symbol) else {
            throw ExecutionError(.rejected, "kraken: \(request.symbol) is not prepared (no symbol rules loaded)")
        }
        let prepared = try rules.prepare(request, referencePrice: request.referencePrice)
        let parameters = try KrakenHTTP.orderParameters(prepared, pair: rules.venueSymbol)
        let result = try await privateCall("AddOrder", parameters, as: KrakenModels.AddOrderResult.self, kind: .place)
        let txid = result.txid?.first
        let placed = VenueOrder(
            clientOrderId: request.clientOrderId, venueOrderId: txid, symbol: request.symbol, side: request.side, type: request.type,
            status: .accepted, quantity: prepared.quantity.doubleValue, limitPrice: prepared.limitPrice?.doubleValue,
            stopPrice: prepared.stopPrice?.doubleValue, updatedAt: Self.nowMilliseconds())
        // The order is live; reading it back only adds its fills. If the read fails the caller
        // still learns the order was accepted, and the stream or a later query brings the fills.
        guard let txid, let current = try? await queryOrder(txid: txid, symbol: request.symbol) else { return placed }
        return current
    }

    public func cancel(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder {
        _ = try await privateCall("CancelOrder", [("cl_ord_id", clientOrderId)], as: KrakenModels.CancelResult.self, kind: .cancel)
        guard let order = try await order(symbol: symbol, clientOrderId: clientOrderId) else {
            throw ExecutionError(.unknownOrder, "kraken: order \(clientOrderId) is not found after its cancel")
        }
        return order
    }

    /// Looks in the open orders, then the closed ones, by `cl_ord_id`.
    public func order(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder? {
        let open = try await privateCall(
            "OpenOrders", [("cl_ord_id", clientOrderId)], as: KrakenModels.OpenOrdersResult.self, kind: .read)
        if let (txid, info) = open.open.first(where: { $0.value.clOrdId == clientOrderId }) {
            return KrakenParse.order(info, txid: txid, symbol: symbol)
        }
        let closed = try await privateCall(
            "ClosedOrders", [("cl_ord_id", clientOrderId)], as: KrakenModels.ClosedOrdersResult.self, kind: .read)
        if let (txid, info) = closed.closed.first(where: { $0.value.clOrdId == clientOrderId }) {
            return KrakenParse.order(info, txid: txid, symbol: symbol)
        }
        return nil
    }

    /// Open orders of the prepared pairs (an order of a pair never prepared cannot be named as a
    /// `TradingSymbol` and is left out).
    public func openOrders(symbol: TradingSymbol?) async throws(ExecutionError) -> [VenueOrder] {
        let open = try await privateCall("OpenOrders", [], as: KrakenModels.OpenOrdersResult.self, kind: .read)
        let byPair = state.withLock { $0.symbolsByPair }
        return open.open.compactMap { txid, info -> VenueOrder? in
            guard let owner = byPair[info.descr.pair], symbol == nil || owner == symbol else { return nil }
            return KrakenParse.order(info, txid: txid, symbol: owner)
        }
        .sorted { ($0.updatedAt, $0.clientOrderId) < ($1.updatedAt, $1.clientOrderId) }
    }

    /// `BalanceEx`: free = balance − hold_trade.
    public func balances() async throws(ExecutionError) -> [VenueBalance] {
        KrakenParse.balances(try await privateCall("BalanceEx", [], as: [String: KrakenModels.ExtendedBalance].self, kind: .read))
    }

    /// A WebSocket token (`GetWebSocketsToken`) for the private `executions` channel.
    public func webSocketToken() async throws(ExecutionError) -> String {
        try await privateCall("GetWebSocketsToken", [], as: KrakenModels.WebSocketToken.self, kind: .read).token
    }

    // MARK: Private stream

    /// Order updates from WebSocket v2 `executions` (see ``KrakenWebSocket``), started on the
    /// first call; nil without keys. Each connection takes a fresh token.
    public func orderUpdates() -> AsyncStream<VenueOrder>? {
        guard configuration.credentials.apiKey != nil, signer != nil else { return nil }
        let stream = state.withLock { state -> KrakenWebSocket in
            if let stream = state.stream { return stream }
            let stream = KrakenWebSocket(token: { [weak self] in
                guard let self else { throw CancellationError() }
                return try await self.webSocketToken()
            })
            state.stream = stream
            return stream
        }
        return stream.updates(url: KrakenWebSocket.url(configuration: configuration))
    }

    public func shutdown() async {
        await state.withLock { $0.stream }?.stop()
    }

    // MARK: Transport

    func queryOrder(txid: String, symbol: TradingSymbol) async throws(ExecutionError) -> VenueOrder? {
        let result = try await privateCall("QueryOrders", [("txid", txid)], as: [String: KrakenModels.OrderInfo].self, kind: .read)
        return result[txid].map { KrakenParse.order($0, txid: txid, symbol: symbol) }
    }

    /// A signed call: takes the turn, draws a nonce, signs, sends and decodes `result`.
    func privateCall<Result: Decodable>(
        _ method: String, _ parameters: [(String, String)], as type: Result.Type, kind: KrakenParse.CallKind
    ) async throws(ExecutionError) -> Result {
        try configuration.credentials.require(\.apiKey, \.secret, venue: "kraken")
        guard let apiKey = configuration.credentials.apiKey, let signer else {
            throw ExecutionError(.authenticationFailed, "kraken: the secret is not base64 (Kraken secrets always are)")
        }
        var resynced = false
        while true {
            let response = try await nonces.withTurn { () async throws(ExecutionError) -> VenueHTTPResponse in
                let request = KrakenHTTP.privateRequest(method, parameters: parameters, nonce: nonces.next(), apiKey: apiKey, signer: signer)
                return try await http.send(request)
            }
            do {
                return try KrakenParse.result(response, as: type, endpoint: method, kind: kind)
            } catch where error.kind == .authenticationFailed && error.message.contains("EAPI:Invalid nonce") && kind == .read && !resynced {
                // Another client of this key may be ahead of our clock: resync and retry a read once.
                nonces.resync()
                resynced = true
            }
        }
    }

    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
