import MarketData
import TradingCore

/// The exchanges whose public candle history `HistoryDownloader` can fetch.
public enum VenueID: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case binance
    case bybit
    case okx
    case kraken
    case coinbase

    public var description: String { rawValue }

    /// The built-in adapter for this venue.
    public var venue: any HistoryVenue {
        switch self {
        case .binance: BinanceVenue()
        case .bybit: BybitVenue()
        case .okx: OKXVenue()
        case .kraken: KrakenVenue()
        case .coinbase: CoinbaseVenue()
        }
    }

    /// Parses a lower-case id such as `"binance"` (case-insensitive); `nil` for unknown venues.
    public init?(id: String) {
        self.init(rawValue: String(decoding: id.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self))
    }
}

/// The half-open time window `[start, end)` (ms, UTC) one request asks for.
public struct HistoryWindow: Sendable, Hashable {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public func contains(_ time: Int64) -> Bool { time >= start && time < end }
}

/// One query parameter, in the order the venue adapter produced it.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A GET request relative to the venue's base URL.
public struct VenueRequest: Sendable, Hashable {
    /// Path starting with `/`, already percent-encoded where needed (e.g. `/products/BTC-USD/candles`).
    public var path: String
    public var query: [QueryItem]

    public init(path: String, query: [QueryItem]) {
        self.path = path
        self.query = query
    }

    /// `path?name=value&…` with RFC 3986 percent-encoding of names and values.
    public var pathAndQuery: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(URLText.percentEncode($0.name))=\(URLText.percentEncode($0.value))" }.joined(separator: "&")
    }
}

/// A candle as the venue reported it, before range and closed-bar filtering.
public struct VenueCandle: Sendable, Hashable {
    public var bar: Bar
    /// The venue's own "closed" flag when it has one (OKX `confirm`); `nil` when it does not say.
    public var isClosed: Bool?

    public init(bar: Bar, isClosed: Bool? = nil) {
        self.bar = bar
        self.isClosed = isClosed
    }
}

/// The parsed body of one successful response.
public struct VenueCandles: Sendable, Hashable {
    /// Candles in any order (the downloader sorts and de-duplicates).
    public var candles: [VenueCandle]
    /// Set when the venue silently discarded older history, e.g. Kraken's OHLC endpoint, which only
    /// keeps the 720 most recent entries: the oldest open time it still serves.
    public var oldestAvailable: Int64?

    public init(candles: [VenueCandle], oldestAvailable: Int64? = nil) {
        self.candles = candles
        self.oldestAvailable = oldestAvailable
    }
}

/// A failure reported inside a successful HTTP response (Bybit `retCode`, OKX `code`, Kraken `error`)
/// or a payload that does not have the documented shape.
public struct VenueFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The venue says "too many requests": retried with backoff.
        case rateLimited
        /// The venue reports a temporary problem (busy, maintenance): retried with backoff.
        case temporary
        /// A definitive error (bad parameter, unknown interval…): not retried.
        case rejected
        /// The venue does not know the market: not retried, reported as `INVALID_SYMBOL`.
        case unknownSymbol
        /// The payload does not have the documented shape: not retried.
        case malformed
    }

    public var kind: Kind
    public var message: String
    /// The venue's own error code (`-1121`, `10001`, `51001`, `EQuery:Unknown asset pair`…).
    public var venueCode: String?

    public init(_ kind: Kind, _ message: String, venueCode: String? = nil) {
        self.kind = kind
        self.message = message
        self.venueCode = venueCode
    }

    public var description: String {
        venueCode.map { "\(message) (code \($0))" } ?? message
    }
}

/// One exchange's public candle endpoint: how to ask for a window of candles and how to read the
/// answer. The shared `HistoryDownloader` owns paging, pacing, retries and filtering.
public protocol HistoryVenue: Sendable {
    /// Lower-case id, matching `ExchangeCapabilities.id`.
    var id: String { get }
    var displayName: String { get }
    /// Production REST base URL without a trailing slash.
    var defaultBaseURL: String { get }
    /// Most candles one request may return; the downloader asks for windows of at most this many periods.
    var maxBarsPerRequest: Int { get }
    /// Polite pause between two page requests when the caller does not override it.
    var defaultPageInterval: Duration { get }
    /// The venue's interval spelling for `timeframe`, `nil` when the venue does not serve it.
    func intervalParameter(for timeframe: Timeframe) -> String?
    /// The venue's market name for `symbol` (`BTCUSDT`, `BTC-USDT`, `XBTUSD`…).
    func marketSymbol(for symbol: TradingSymbol) -> String
    /// The request for candles opening in `window` (a supported timeframe is guaranteed).
    func makeRequest(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) -> VenueRequest
    /// Parses a 2xx body. Throws `VenueFailure` for error envelopes and malformed payloads.
    func parseCandles(_ body: [UInt8], timeframe: Timeframe, window: HistoryWindow) throws -> VenueCandles
    /// The venue's error in a non-2xx body (`msg`, `retMsg`, `message`…), if it has one.
    func failure(status: Int, body: [UInt8]) -> VenueFailure?
}

extension HistoryVenue {
    /// Timeframes this adapter serves, in the contract's order.
    public var supportedTimeframes: [Timeframe] {
        Timeframe.allCases.filter { intervalParameter(for: $0) != nil }
    }

    /// The `ExchangeCapabilities` catalogue entry with the same id, if any.
    public var capabilities: ExchangeCapabilities? { ExchangeCapabilities.named(id) }

    /// The interval parameter, or `.invalidTimeframe` listing what the venue accepts.
    public func requireInterval(for timeframe: Timeframe) throws(TradingError) -> String {
        guard let value = intervalParameter(for: timeframe) else {
            let accepted = supportedTimeframes.map(\.rawValue)
            throw TradingError(
                code: .invalidTimeframe,
                message: "\(displayName) does not serve \(timeframe.rawValue) candles; accepted: \(accepted.joined(separator: " "))",
                details: ["timeframe": .text(timeframe.rawValue), "accepted": .list(accepted), "exchange": .text(id)])
        }
        return value
    }
}
