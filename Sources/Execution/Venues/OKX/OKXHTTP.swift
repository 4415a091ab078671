import NIOHTTP1
import TradingCore

/// Builds and signs OKX v5 spot requests: paths, parameters and the `OK-ACCESS-*` headers.
///
/// Demo trading uses the production host with `x-simulated-trading: 1` on every request (the header
/// is what selects the environment, and a key only works in its own one: `50101`).
struct OKXHTTP: Sendable {
    static let productionURL = "https://www.okx.com"
    static let productionWebSocketURL = "wss://ws.okx.com:8443/ws/v5/private"
    static let demoWebSocketURL = "wss://wspap.okx.com:8443/ws/v5/private"

    enum Path {
        static let time = "/api/v5/public/time"
        static let instruments = "/api/v5/public/instruments"
        static let order = "/api/v5/trade/order"
        static let cancel = "/api/v5/trade/cancel-order"
        static let pending = "/api/v5/trade/orders-pending"
        static let balance = "/api/v5/account/balance"
    }

    let apiKey: String?
    let signer: OKXSigner?
    let passphrase: String?
    let demo: Bool

    init(credentials: VenueCredentials, demo: Bool) {
        apiKey = credentials.apiKey
        signer = credentials.secret.map { OKXSigner(secret: $0) }
        passphrase = credentials.password
        self.demo = demo
    }

    /// `clOrdId`: letters and digits, at most 32 characters.
    static func isValidClientOrderId(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count) && id.utf8.allSatisfy(isAlphanumeric)
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `k=v&k=v`, values percent-encoded (RFC 3986 unreserved kept); signed as sent.
    static func query(_ items: [(String, String)]) -> String {
        items.map { "\($0.0)=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        var out = ""
        for byte in text.utf8 {
            if isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "~") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
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

    /// `OK-ACCESS-TIMESTAMP`: ISO 8601 UTC with milliseconds, `2020-12-08T09:08:57.715Z`.
    static func isoTimestamp(milliseconds: Int64) -> String {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let inDay = milliseconds - days * 86_400_000
        // Days since 1970-01-01 → civil date (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60_000 % 60, 2)):"
            + "\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }

    private var environmentHeaders: [(String, String)] { demo ? [("x-simulated-trading", "1")] : [] }

    func publicGET(_ path: String, _ items: [(String, String)]) -> VenueHTTPRequest {
        let query = Self.query(items)
        return VenueHTTPRequest(method: .GET, pathAndQuery: query.isEmpty ? path : path + "?" + query, headers: environmentHeaders)
    }

    func signedGET(_ path: String, _ items: [(String, String)], timestamp: Int64) throws(ExecutionError) -> VenueHTTPRequest {
        let query = Self.query(items)
        let requestPath = query.isEmpty ? path : path + "?" + query
        return VenueHTTPRequest(
            method: .GET, pathAndQuery: requestPath, headers: try headers(timestamp: timestamp, method: "GET", requestPath: requestPath, body: ""))
    }

    func signedPOST(_ path: String, _ items: [(String, String)], timestamp: Int64) throws(ExecutionError) -> VenueHTTPRequest {
        let body = Self.json(items)
        return VenueHTTPRequest(
            method: .POST, pathAndQuery: path, headers: try headers(timestamp: timestamp, method: "POST", requestPath: path, body: body),
            body: Array(body.utf8))
    }

    private func headers(timestamp: Int64, method: String, requestPath: String, body: String) throws(ExecutionError) -> [(String, String)] {
        guard let apiKey, let signer, let passphrase else {
            let missing = [("apiKey", apiKey == nil), ("secret", signer == nil), ("password", passphrase == nil)].filter(\.1).map(\.0)
            throw ExecutionError(.authenticationFailed, "okx: missing credentials: \(missing.joined(separator: ", "))")
        }
        let time = Self.isoTimestamp(milliseconds: timestamp)
        let sign = signer.signature(prehash: OKXSigner.prehash(timestamp: time, method: method, requestPath: requestPath, body: body))
        return [
            ("OK-ACCESS-KEY", apiKey),
            ("OK-ACCESS-SIGN", sign),
            ("OK-ACCESS-TIMESTAMP", time),
            ("OK-ACCESS-PASSPHRASE", passphrase),
            ("Content-Type", "application/json"),
        ] + environmentHeaders
    }

    /// The `POST /api/v5/trade/order` body for a prepared (rounded) order: spot cash mode; limit
    /// orders carry their time in force as the order type (`limit`, `ioc`, `fok`); market buys are
    /// sized in the base currency (`tgtCcy=base_ccy`; OKX's default for them is the quote currency).
    static func placeBody(_ prepared: SymbolRules.PreparedOrder, instId: String) -> [(String, String)] {
        let request = prepared.request
        let orderType: String
        switch (request.type, request.timeInForce) {
        case (.market, _): orderType = "market"
        case (_, .ioc): orderType = "ioc"
        case (_, .fok): orderType = "fok"
        default: orderType = "limit"
        }
        var items: [(String, String)] = [
            ("instId", instId),
            ("tdMode", "cash"),
            ("clOrdId", request.clientOrderId),
            ("side", request.side == .buy ? "buy" : "sell"),
            ("ordType", orderType),
            ("sz", prepared.quantity.description),
        ]
        if request.type == .market {
            if request.side == .buy { items.append(("tgtCcy", "base_ccy")) }
        } else if let price = prepared.limitPrice {
            items.append(("px", price.description))
        }
        return items
    }
}
