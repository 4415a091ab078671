/// A domain error raised by the engine. A struct around a code so new cases never break callers
/// that switch on `code`.
public struct TradingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers, mapped one to one onto API error codes by the server.
    public enum Code: String, Sendable, Hashable {
        case invalidTimeframe = "INVALID_TIMEFRAME"
        case invalidSymbol = "INVALID_SYMBOL"
        case invalidDateRange = "INVALID_DATE_RANGE"
        case unknownStrategy = "UNKNOWN_STRATEGY"
        case invalidStrategyParameters = "INVALID_STRATEGY_PARAMS"
        case invalidConfiguration = "VALIDATION_ERROR"
        case invalidData = "INVALID_DATA"
        case dataUnavailable = "DATA_UNAVAILABLE"
        case unknownExchange = "UNKNOWN_EXCHANGE"
    }

    public let code: Code
    public let message: String
    /// A value in `details`: the server renders it as a JSON string, array or number.
    public enum Detail: Sendable, Hashable {
        case text(String)
        case list([String])
        case number(Double)
    }

    /// Machine-readable context (accepted values, offending field, line number…).
    public let details: [String: Detail]

    public init(code: Code, message: String, details: [String: Detail] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { message }

    public static func invalidTimeframe(_ text: String) -> TradingError {
        TradingError(
            code: .invalidTimeframe,
            message: "unknown timeframe '\(text)'; accepted: \(Timeframe.allCases.map(\.rawValue).joined(separator: " "))",
            details: ["timeframe": .text(text), "accepted": .list(Timeframe.allCases.map(\.rawValue))])
    }

    public static func invalidSymbol(_ text: String) -> TradingError {
        TradingError(code: .invalidSymbol, message: "invalid symbol '\(text)'; expected BASE/QUOTE such as BTC/USDT", details: ["symbol": .text(text)])
    }
}
