#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOHTTP1
import TradingCore

/// Builds Coinbase Advanced Trade requests under `/api/v3/brokerage`: JSON bodies and
/// `Authorization: Bearer <JWT>`, a fresh JWT per request whose `uri` claim names the method, the
/// host actually requested and the path without the query (see ``CoinbaseSigner``).
enum CoinbaseHTTP {
    static let prefix = "/api/v3/brokerage"

    /// `host[:port]` of a base URL: what the JWT's `uri` names (`api.coinbase.com`, `127.0.0.1:8080`).
    static func host(ofBaseURL url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        return String(rest.prefix { $0 != "/" && $0 != "?" })
    }

    /// The product id: `BTC-USD`.
    static func productId(_ symbol: TradingSymbol) -> String { symbol.base + "-" + symbol.quote }

    /// The symbol of a product id, nil when it is not `BASE-QUOTE`.
    static func symbol(productId: String) -> TradingSymbol? {
        let parts = productId.split(separator: "-")
        guard parts.count == 2 else { return nil }
        return try? TradingSymbol(base: String(parts[0]), quote: String(parts[1]))
    }

    /// A request to `prefix + path`; signed unless `signer` is nil (the public `/time`).
    static func request(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8] = [], host: String,
        signer: CoinbaseSigner?, now: Int64
    ) -> VenueHTTPRequest {
        let fullPath = prefix + path
        let encoded = query.map { "\(KrakenHTTP.percentEncode($0.0))=\(KrakenHTTP.percentEncode($0.1))" }.joined(separator: "&")
        var headers: [(String, String)] = []
        if let signer {
            let uri = CoinbaseSigner.uri(method: method.rawValue, host: host, pathAndQuery: fullPath)
            headers.append(("Authorization", "Bearer " + signer.token(uri: uri, now: now)))
        }
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        return VenueHTTPRequest(method: method, pathAndQuery: fullPath + (encoded.isEmpty ? "" : "?" + encoded), headers: headers, body: body)
    }

    /// The `POST /orders` body of a prepared order.
    static func createOrder(_ order: SymbolRules.PreparedOrder, productId: String) throws(ExecutionError) -> [UInt8] {
        let request = order.request
        let size = order.quantity.description
        var configuration = CoinbaseModels.OrderConfiguration()
        switch request.type {
        case .market:
            configuration.marketMarketIoc = .init(baseSize: size)
        case .limit:
            guard let limit = order.limitPrice?.description else { throw ExecutionError(.rejected, "coinbase: a limit order needs a limit price") }
            switch request.timeInForce {
            case .gtc: configuration.limitLimitGtc = .init(baseSize: size, limitPrice: limit, postOnly: false)
            case .ioc: configuration.sorLimitIoc = .init(baseSize: size, limitPrice: limit)
            case .fok: configuration.limitLimitFok = .init(baseSize: size, limitPrice: limit)
            }
        case .stopLimit:
            guard let limit = order.limitPrice?.description, let stop = order.stopPrice?.description else {
                throw ExecutionError(.rejected, "coinbase: a stop-limit order needs a stop price and a limit price")
            }
            guard request.timeInForce == .gtc else {
                throw ExecutionError(.rejected, "coinbase: stop-limit orders are good till cancelled only")
            }
            // A buy stop triggers as the price rises to the stop, a sell stop as it falls.
            configuration.stopLimitStopLimitGtc = .init(
                baseSize: size, limitPrice: limit, stopPrice: stop,
                stopDirection: request.side == .buy ? "STOP_DIRECTION_STOP_UP" : "STOP_DIRECTION_STOP_DOWN")
        case .stop:
            throw ExecutionError(.rejected, "coinbase: stop (market) orders are not offered for spot; use a stop-limit order")
        }
        let body = CoinbaseModels.CreateOrder(
            clientOrderId: request.clientOrderId, productId: productId, side: request.side == .buy ? "BUY" : "SELL",
            orderConfiguration: configuration)
        return try encode(body)
    }

    static func encode(_ value: some Encodable) throws(ExecutionError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw ExecutionError(.rejected, "coinbase: cannot encode the request body")
        }
    }
}
