/// The validated `exchange_config` object of `POST /run/live`.
///
/// Exactly the keys in ``acceptedKeys`` are allowed (an unknown key is a 400 listing them); the
/// credentials come from the request or, for each field the request leaves out, from the
/// environment (`CRACKTRADER_<EXCHANGE>_API_KEY`, `_SECRET`, `_PASSWORD`).
struct ExchangeConfig: Sendable {
    static let acceptedKeys = ["apiKey", "secret", "password", "sandbox", "base_url", "rateLimit", "enableRateLimit"]

    var credentials: ExchangeCredentials
    /// True: orders go to the venue's testnet (a sandbox run, with `mode: live`).
    var sandbox: Bool
    /// Another host for the venue adapter (a testnet mirror, or a local test server).
    var baseURL: String?
    /// Milliseconds between requests, as in ccxt.
    var rateLimit: Double?
    var enableRateLimit: Bool?

    static let empty = ExchangeConfig(credentials: .none, sandbox: false, baseURL: nil, rateLimit: nil, enableRateLimit: nil)

    /// Checks `value` (nil when the request has no `exchange_config`), appending every problem to
    /// `fieldErrors`. Error texts name keys and expected types, never a value.
    static func parse(
        _ value: JSONValue?, exchange: String, environment: @Sendable (String) -> String?, fieldErrors: inout [(String, String)]
    ) -> ExchangeConfig {
        var object: [String: JSONValue] = [:]
        switch value {
        case .object(let given)?: object = given
        case nil, .null?: break
        default: fieldErrors.append(("exchange_config", "must be an object"))
        }
        for key in object.keys.sorted() where !acceptedKeys.contains(key) {
            fieldErrors.append(("exchange_config.\(key)", "is not an accepted key; accepted: \(acceptedKeys.joined(separator: ", "))"))
        }
        func text(_ key: String) -> String? {
            switch object[key] {
            case .string(let text)? where !text.isEmpty: return text
            case .string?, nil, .null?: return nil
            default:
                fieldErrors.append(("exchange_config.\(key)", "must be a string"))
                return nil
            }
        }
        func flag(_ key: String) -> Bool? {
            switch object[key] {
            case .bool(let flag)?: return flag
            case nil, .null?: return nil
            default:
                fieldErrors.append(("exchange_config.\(key)", "must be true or false"))
                return nil
            }
        }
        let names = ExchangeCredentials.environmentNames(exchange: exchange)
        let given = (text("apiKey"), text("secret"), text("password"))
        func fromEnvironment(_ name: String) -> String? {
            guard let value = environment(name), !value.isEmpty else { return nil }
            return value
        }
        let apiKey = given.0 ?? fromEnvironment(names.apiKey)
        let secret = given.1 ?? fromEnvironment(names.secret)
        let password = given.2 ?? fromEnvironment(names.password)
        let fromRequest = given.0 != nil || given.1 != nil || given.2 != nil
        let any = apiKey != nil || secret != nil || password != nil
        let credentials = ExchangeCredentials(
            apiKey: apiKey, secret: secret, password: password, source: any ? (fromRequest ? .request : .environment) : nil)

        let sandbox = flag("sandbox") ?? false
        let enableRateLimit = flag("enableRateLimit")
        var rateLimit: Double?
        switch object["rateLimit"] {
        case .number(let number)?:
            if number.isFinite && number >= 0 && number <= 3_600_000 { rateLimit = number } else {
                fieldErrors.append(("exchange_config.rateLimit", "must be a number of milliseconds in [0, 3600000]"))
            }
        case nil, .null?: break
        default: fieldErrors.append(("exchange_config.rateLimit", "must be a number of milliseconds in [0, 3600000]"))
        }
        let baseURL = text("base_url")
        if let baseURL, !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) || baseURL.contains(" ") {
            fieldErrors.append(("exchange_config.base_url", "must be an http:// or https:// URL"))
        }
        return ExchangeConfig(
            credentials: credentials, sandbox: sandbox, baseURL: baseURL, rateLimit: rateLimit, enableRateLimit: enableRateLimit)
    }
}
