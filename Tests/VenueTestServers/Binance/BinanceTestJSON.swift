/// A tiny ordered JSON writer for the Binance test server, so answers keep Binance's field order
/// and its case-sensitive one-letter keys (`c` and `C`, `z` and `Z`) side by side.
enum BinanceTestJSON: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([BinanceTestJSON])
    case object([(String, BinanceTestJSON)])

    var text: String {
        switch self {
        case .string(let value): Self.quote(value)
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .array(let items): "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let pairs): "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
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
        return out + "\""
    }

    /// `{"code":…,"msg":…}`, Binance's error body.
    static func error(code: Int, msg: String) -> String {
        BinanceTestJSON.object([("code", .int(Int64(code))), ("msg", .string(msg))]).text
    }
}
