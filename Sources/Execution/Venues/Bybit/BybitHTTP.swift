import NIOHTTP1
import TradingCore

/// Builds and signs Bybit v5 spot requests: paths, parameters and the `X-BAPI-*` headers.
struct BybitHTTP: Sendable {
    static let productionURL = "https://api.bybit.com"
    static let testnetURL = "https://api-testnet.bybit.com"
    static let productionWebSocketURL = "wss://stream.bybit.com/v5/private"
    static let testnetWebSocketURL = "wss://stream-testnet.bybit.com/v5/private"

    enum Path {
        static let time = "/v5/market/time"
        static let instruments = "/v5/market/instruments-info"
        static let create = "/v5/order/create"
        static let cancel = "/v5/order/cancel"
        static let realtime = "/v5/order/realtime"
        static let history = "/v5/order/history"
        static let wallet = "/v5/account/wallet-balance"
    }

    let apiKey: String?
    let signer: BybitSigner?
    let recvWindow: Int64

    init(credentials: VenueCredentials, recvWindow: Int64) {
        apiKey = credentials.apiKey
        signer = credentials.secret.map { BybitSigner(secret: $0) }
        self.recvWindow = recvWindow
    }

    /// `orderLinkId`: letters, digits, `-` and `_`, at most 36 characters.
    static func isValidOrderLinkId(_ id: String) -> Bool {
        (1...36).contains(id.utf8.count)
            && id.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `k=v&k=v`, values percent-encoded (RFC 3986 unreserved characters kept): the bytes sent are
    /// the bytes signed.
    static func query(_ items: [(String, String)]) -> String {
        items.map { "\($0.0)=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "~") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// A JSON object of string values, keys in the given order.
    static func json(_ items: [(String, String)]) -> String {
        "{" + items.map { "\"\(escape($0.0))\":\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    func publicGET(_ path: String, _ items: [(String, String)]) -> VenueHTTPRequest {
        let query = Self.query(items)
        return VenueHTTPRequest(method: .GET, pathAndQuery: query.isEmpty ? path : path + "?" + query)
    }

    func signedGET(_ path: String, _ items: [(String, String)], timestamp: Int64) throws(ExecutionError) -> VenueHTTPRequest {
        let query = Self.query(items)
        return VenueHTTPRequest(
            method: .GET, pathAndQuery: query.isEmpty ? path : path + "?" + query,
            headers: try headers(timestamp: timestamp, payload: query))
    }

    func signedPOST(_ path: String, _ items: [(String, String)], timestamp: Int64) throws(ExecutionError) -> VenueHTTPRequest {
        let body = Self.json(items)
        var headers = try headers(timestamp: timestamp, payload: body)
        headers.append(("Content-Type", "application/json"))
        return VenueHTTPRequest(method: .POST, pathAndQuery: path, headers: headers, body: Array(body.utf8))
    }

    private func headers(timestamp: Int64, payload: String) throws(ExecutionError) -> [(String, String)] {
        guard let apiKey, let signer else {
            throw ExecutionError(.authenticationFailed, "bybit: missing credentials: \(apiKey == nil ? "apiKey" : "secret")")
        }
        let signature = signer.signature(payload: BybitSigner.restPayload(
            timestamp: timestamp, apiKey: apiKey, recvWindow: recvWindow, queryOrBody: payload))
        return [
            ("X-BAPI-API-KEY", apiKey),
            ("X-BAPI-TIMESTAMP", String(timestamp)),
            ("X-BAPI-RECV-WINDOW", String(recvWindow)),
            ("X-BAPI-SIGN", signature),
        ]
    }

    /// The `POST /v5/order/create` body for a prepared (rounded) order. Market buys send
    /// `marketUnit=baseCoin`: by default Bybit reads a spot market buy's `qty` in the quote coin.
    static func placeBody(_ prepared: SymbolRules.PreparedOrder, venueSymbol: String) -> [(String, String)] {
        let request = prepared.request
        var items: [(String, String)] = [
            ("category", "spot"),
            ("symbol", venueSymbol),
            ("side", request.side == .buy ? "Buy" : "Sell"),
            ("orderType", request.type == .market ? "Market" : "Limit"),
            ("qty", prepared.quantity.description),
        ]
        if request.type == .market {
            items.append(("marketUnit", "baseCoin"))
        } else if let price = prepared.limitPrice {
            items.append(("price", price.description))
            items.append(("timeInForce", request.timeInForce.rawValue))
        }
        items.append(("orderLinkId", request.clientOrderId))
        return items
    }
}
