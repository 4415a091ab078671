/// API credentials of one run, in memory only. They are never encoded, stored or logged: this
/// type is not `Codable`, and its `description`, `debugDescription` and mirror show only which
/// fields are set, so string interpolation, `dump` or a logger cannot print a key by accident.
struct ExchangeCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Where a credential came from.
    enum Source: String, Sendable, Hashable {
        case request
        case environment
    }

    let apiKey: String?
    let secret: String?
    /// The passphrase (OKX, Coinbase legacy keys).
    let password: String?
    let source: Source?

    static let none = ExchangeCredentials(apiKey: nil, secret: nil, password: nil, source: nil)

    var isEmpty: Bool { apiKey == nil && secret == nil && password == nil }

    /// The names of the credential fields present (`apiKey`, `secret`, `password`).
    var presentFields: [String] {
        [("apiKey", apiKey), ("secret", secret), ("password", password)].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    var description: String {
        "ExchangeCredentials(\(presentFields.map { "\($0): ***" }.joined(separator: ", ")))"
    }

    var debugDescription: String { description }

    var customMirror: Mirror { Mirror(self, children: ["fields": presentFields], displayStyle: .struct) }

    /// `CRACKTRADER_<EXCHANGE>_API_KEY`, `_SECRET`, `_PASSWORD` for an exchange id such as `binance`.
    static func environmentNames(exchange: String) -> (apiKey: String, secret: String, password: String) {
        let prefix = "CRACKTRADER_" + exchange.uppercased() + "_"
        return (prefix + "API_KEY", prefix + "SECRET", prefix + "PASSWORD")
    }
}
