/// Why a venue call failed. Messages never contain credentials.
public struct ExecutionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The venue refused the order (balance, filters, unknown symbol…); it does not exist there.
        case rejected
        /// No order with that client order id.
        case unknownOrder
        /// The venue may or may not have the order (timeout, 5xx, dropped connection): query it by
        /// client order id before anything else; never resend blindly.
        case outcomeUnknown
        /// The venue cannot be reached (`EXCHANGE_UNREACHABLE`).
        case unreachable
        /// The venue refused the keys (`EXCHANGE_AUTH_FAILED`).
        case authenticationFailed
        /// 429/418: wait `retryAfter` seconds.
        case rateLimited
    }

    public var kind: Kind
    public var message: String
    /// Seconds to wait before the next request (rate limits).
    public var retryAfter: Double?

    public init(_ kind: Kind, _ message: String, retryAfter: Double? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
