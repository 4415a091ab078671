import NIOHTTP1
import TradingCore

/// Builds Binance spot REST requests: paths, parameters, the `X-MBX-APIKEY` header and the
/// signature (HMAC, or Ed25519 for an Ed25519 key; base64 signatures are percent-encoded).
///
/// Signed requests carry `timestamp` (the caller passes local time plus the venue's clock
/// offset), `recvWindow` and, last, `signature` = hex HMAC-SHA256 of the query string
/// concatenated with the body, byte for byte as sent. `POST` sends its parameters as an
/// `application/x-www-form-urlencoded` body; `GET` and `DELETE` in the query string.
struct BinanceHTTP: Sendable {
    let apiKey: String?
    let signer: BinanceSigner?
    let receiveWindowMilliseconds: Int64
    /// A secret was given but is no key we can sign with (an RSA PEM).
    private let secretGiven: Bool

    init(credentials: VenueCredentials, receiveWindowMilliseconds: Int64) {
        apiKey = credentials.apiKey
        signer = credentials.secret.flatMap(BinanceSigner.make(secret:))
        secretGiven = credentials.secret != nil
        // Binance refuses a recvWindow above 60 000 ms (-1131).
        self.receiveWindowMilliseconds = min(max(receiveWindowMilliseconds, 1), 60_000)
    }

    /// `BTC/USDT` → `BTCUSDT`.
    static func venueSymbol(_ symbol: TradingSymbol) -> String { symbol.base + symbol.quote }

    // MARK: Public endpoints

    static func serverTime() -> VenueHTTPRequest {
        VenueHTTPRequest(method: .GET, pathAndQuery: "/api/v3/time")
    }

    /// `symbols=["BTCUSDT","ETHUSDT"]`, the JSON array percent-encoded.
    static func exchangeInfo(venueSymbols: [String]) -> VenueHTTPRequest {
        let array = "[" + venueSymbols.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return VenueHTTPRequest(method: .GET, pathAndQuery: "/api/v3/exchangeInfo?" + formEncode([("symbols", array)]))
    }

    // MARK: Signed endpoints

    /// `POST /api/v3/order`: the parameters for a prepared (rounded) order.
    static func orderParameters(_ order: SymbolRules.PreparedOrder, venueSymbol: String) -> [(String, String)] {
        let request = order.request
        var parameters: [(String, String)] = [
            ("symbol", venueSymbol),
            ("side", request.side == .buy ? "BUY" : "SELL"),
            ("type", orderType(request.type)),
            ("quantity", order.quantity.description),
        ]
        if request.type == .limit || request.type == .stopLimit, let price = order.limitPrice {
            parameters.append(("price", price.description))
        }
        if request.type == .stop || request.type == .stopLimit, let stop = order.stopPrice {
            parameters.append(("stopPrice", stop.description))
        }
        // Binance requires timeInForce on LIMIT and STOP_LOSS_LIMIT, and refuses it on MARKET/STOP_LOSS.
        if request.type == .limit || request.type == .stopLimit {
            parameters.append(("timeInForce", request.timeInForce.rawValue))
        }
        parameters.append(("newClientOrderId", request.clientOrderId))
        parameters.append(("newOrderRespType", "FULL"))
        return parameters
    }

    static func orderType(_ type: OrderType) -> String {
        switch type {
        case .market: "MARKET"
        case .limit: "LIMIT"
        case .stop: "STOP_LOSS"
        case .stopLimit: "STOP_LOSS_LIMIT"
        }
    }

    /// A signed request; `timestamp` is the venue's time in milliseconds. Throws
    /// `.authenticationFailed` (naming the missing field) without credentials.
    func signed(_ method: HTTPMethod, _ path: String, _ parameters: [(String, String)], timestamp: Int64) throws(ExecutionError) -> VenueHTTPRequest {
        guard let apiKey, let signer else {
            if apiKey != nil, secretGiven {
                throw ExecutionError(
                    .authenticationFailed, "binance: the secret is a PEM key that is not Ed25519 (use an HMAC or an Ed25519 API key)")
            }
            let missing = [apiKey == nil ? "apiKey" : nil, signer == nil ? "secret" : nil].compactMap { $0 }
            throw ExecutionError(.authenticationFailed, "binance: missing credentials: \(missing.joined(separator: ", "))")
        }
        let all = parameters + [("recvWindow", String(receiveWindowMilliseconds)), ("timestamp", String(timestamp))]
        let encoded = Self.formEncode(all)
        let headers = [("X-MBX-APIKEY", apiKey)]
        if method == .POST {
            let signature = signer.signature(payload: BinanceSigner.restPayload(query: "", body: encoded))
            let body = encoded + "&signature=" + Self.percentEncode(signature)
            return VenueHTTPRequest(
                method: method, pathAndQuery: path,
                headers: headers + [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        }
        let signature = signer.signature(payload: BinanceSigner.restPayload(query: encoded))
        return VenueHTTPRequest(method: method, pathAndQuery: path + "?" + encoded + "&signature=" + Self.percentEncode(signature), headers: headers)
    }

    // MARK: Encoding

    /// `application/x-www-form-urlencoded` with every byte outside `A–Z a–z 0–9 - _ . ~`
    /// percent-encoded (UTF-8), which is what Binance signs against.
    static func formEncode(_ parameters: [(String, String)]) -> String {
        parameters.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
