import NIOHTTP1
import TradingCore

/// Builds Kraken spot REST requests: public `GET /0/public/…` and signed `POST /0/private/…`.
///
/// Private calls send a form-encoded body that starts with `nonce=`, the `API-Key` header and
/// `API-Sign` over `path + SHA256(nonce + body)` (see ``KrakenSigner``). The body is signed exactly
/// as it is sent.
enum KrakenHTTP {
    /// `GET /0/public/<method>?<query>`.
    static func publicRequest(_ method: String, query: [(String, String)] = []) -> VenueHTTPRequest {
        let encoded = formEncode(query)
        return VenueHTTPRequest(method: .GET, pathAndQuery: "/0/public/\(method)" + (encoded.isEmpty ? "" : "?" + encoded))
    }

    /// `POST /0/private/<method>` with `nonce` first, then `parameters` in the given order.
    static func privateRequest(
        _ method: String, parameters: [(String, String)], nonce: UInt64, apiKey: String, signer: KrakenSigner
    ) -> VenueHTTPRequest {
        let path = "/0/private/\(method)"
        let body = formEncode([("nonce", String(nonce))] + parameters)
        let signature = signer.signature(path: path, nonce: String(nonce), postData: body)
        return VenueHTTPRequest(
            method: .POST, pathAndQuery: path,
            headers: [
                ("API-Key", apiKey), ("API-Sign", signature),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body: Array(body.utf8))
    }

    /// `application/x-www-form-urlencoded`: unreserved characters as is, everything else `%XX`.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// Kraken's asset code for a common ticker (`BTC` → `XBT`, `DOGE` → `XDG`).
    static func assetCode(_ asset: String) -> String {
        switch asset {
        case "BTC": "XBT"
        case "DOGE": "XDG"
        default: asset
        }
    }

    /// The pair name Kraken accepts in `pair=`: `XBTUSD` for `BTC/USD`.
    static func pairName(_ symbol: TradingSymbol) -> String {
        assetCode(symbol.base) + assetCode(symbol.quote)
    }

    /// Kraken's legacy four-letter asset names (`XXBT`, `ZUSD`…), as balances name them.
    static let legacyAssets: Set<String> = [
        "XXBT", "XETH", "XLTC", "XXRP", "XXLM", "XXDG", "XZEC", "XXMR", "XETC", "XREP", "XMLN", "XICN", "XNMC", "XXVN",
        "ZUSD", "ZEUR", "ZGBP", "ZCAD", "ZJPY", "ZAUD", "ZCHF", "ZKRW",
    ]

    /// The common ticker of a Kraken asset name: `XXBT`/`XBT` → `BTC`, `ZUSD` → `USD`, `XXDG` → `DOGE`.
    static func commonAsset(_ asset: String) -> String {
        let code = legacyAssets.contains(asset) ? String(asset.dropFirst()) : asset
        switch code {
        case "XBT": return "BTC"
        case "XDG": return "DOGE"
        default: return code
        }
    }

    /// Kraken's `ordertype` and the price fields of a prepared order.
    static func orderParameters(
        _ order: SymbolRules.PreparedOrder, pair: String
    ) throws(ExecutionError) -> [(String, String)] {
        let request = order.request
        var parameters: [(String, String)] = []
        switch request.type {
        case .market:
            parameters.append(("ordertype", "market"))
        case .limit:
            guard let limit = order.limitPrice else { throw ExecutionError(.rejected, "kraken: a limit order needs a limit price") }
            parameters += [("ordertype", "limit"), ("price", limit.description)]
        case .stop:
            guard let stop = order.stopPrice else { throw ExecutionError(.rejected, "kraken: a stop order needs a stop price") }
            parameters += [("ordertype", "stop-loss"), ("price", stop.description)]
        case .stopLimit:
            guard let stop = order.stopPrice, let limit = order.limitPrice else {
                throw ExecutionError(.rejected, "kraken: a stop-limit order needs a stop price and a limit price")
            }
            parameters += [("ordertype", "stop-loss-limit"), ("price", stop.description), ("price2", limit.description)]
        }
        parameters += [
            ("type", request.side == .buy ? "buy" : "sell"),
            ("volume", order.quantity.description),
            ("pair", pair),
            ("cl_ord_id", request.clientOrderId),
        ]
        switch request.timeInForce {
        case .gtc:
            break
        case _ where request.type == .market:
            // A market order takes what it can at once; Kraken wants no time in force on it.
            break
        case .ioc:
            parameters.append(("timeinforce", "IOC"))
        case .fok:
            // Kraken spot knows GTC, IOC and GTD only.
            throw ExecutionError(.rejected, "kraken: time in force FOK is not supported for spot orders")
        }
        return parameters
    }
}
