import MarketData
import TradingCore

/// What one frame of a venue's public candle stream said.
public enum CandleStreamMessage: Sendable, Equatable {
    /// Candles that are now closed (oldest first). Empty for an update of the forming candle.
    case closed([Bar])
    /// The venue accepted the subscription: the stream is live.
    case subscribed
    /// The venue refused the subscription (or reported an error): reconnect later.
    case refused(String)
    /// Anything else (pong, heartbeat, status).
    case ignored
}

/// One venue's public kline/candle WebSocket: where to connect, what to send, how to read what
/// comes back. The connection itself (reconnects, backoff, heartbeats) is ``CandleStreamClient``;
/// each venue's conformance lives next to its REST candles, in `Venues/<Name>/<Name>CandleStream.swift`.
public protocol CandleStreamVenue: Sendable {
    /// Lower-case id, as ``HistoryVenue/id``.
    var id: String { get }
    /// `wss://host[:port]` of the production stream (`sandbox: false`) or of the testnet's; a
    /// venue whose testnet has no candle stream answers its production host.
    func host(sandbox: Bool) -> String
    /// The path for `symbol`/`timeframe` on that host (Binance names the stream in the path).
    func path(symbol: TradingSymbol, timeframe: Timeframe) -> String
    /// True when the venue streams candles of `timeframe`.
    func supports(_ timeframe: Timeframe) -> Bool
    /// Frames sent right after the connection opens.
    func subscribeMessages(symbol: TradingSymbol, timeframe: Timeframe) -> [String]
    /// True when the connection itself is the subscription (no acknowledgement comes).
    var subscribedOnOpen: Bool { get }
    /// The application-level keep-alive the venue asks for, if any.
    var heartbeat: (interval: Duration, message: String)? { get }
    /// Reads one text frame. `tracker` carries what a venue without a "closed" flag needs to
    /// know: the forming candle, closed when a later one arrives. It is fresh on each connection.
    func parse(_ text: String, symbol: TradingSymbol, timeframe: Timeframe, tracker: inout CandleCloseTracker) -> CandleStreamMessage
}

extension CandleStreamVenue {
    public var subscribedOnOpen: Bool { false }
    public var heartbeat: (interval: Duration, message: String)? { nil }

    /// The URL to connect to: `baseURL` (an `http(s)://` REST override such as a local test
    /// server, scheme swapped to `ws(s)://`) plus the path, else the environment's host.
    public func url(symbol: TradingSymbol, timeframe: Timeframe, sandbox: Bool, baseURL: String?) -> String {
        let host: String
        if let baseURL {
            let trimmed = URLText.trimmedBase(baseURL)
            host = trimmed.hasPrefix("https://") ? "wss://" + trimmed.dropFirst(8)
                : trimmed.hasPrefix("http://") ? "ws://" + trimmed.dropFirst(7) : trimmed
        } else {
            host = self.host(sandbox: sandbox)
        }
        return host + path(symbol: symbol, timeframe: timeframe)
    }
}

/// Closes candles for venues whose stream has no "closed" flag (Kraken, Coinbase): the candle
/// being updated is closed once a candle with a later open time arrives.
public struct CandleCloseTracker: Sendable, Equatable {
    /// The forming candle (latest state seen).
    public private(set) var forming: Bar?

    public init() {}

    /// Takes one candle state; answers the candle it closed, if any.
    public mutating func observe(_ bar: Bar) -> Bar? {
        guard let current = forming else {
            forming = bar
            return nil
        }
        if bar.openTime == current.openTime {
            forming = bar
            return nil
        }
        // An older candle (a snapshot's history after a newer update) changes nothing.
        guard bar.openTime > current.openTime else { return nil }
        forming = bar
        return current
    }
}

extension VenueID {
    /// This venue's public candle stream.
    public var candleStream: any CandleStreamVenue {
        switch self {
        case .binance: BinanceCandleStream()
        case .bybit: BybitCandleStream()
        case .okx: OKXCandleStream()
        case .kraken: KrakenCandleStream()
        case .coinbase: CoinbaseCandleStream()
        }
    }
}

/// A streamed candle's decimal texts as a ``Bar`` (nil when one is not a number).
enum StreamedBar {
    static func make(openTime: Int64, open: String, high: String, low: String, close: String, volume: String) -> Bar? {
        guard let o = DecimalParser.parse(open), let h = DecimalParser.parse(high), let l = DecimalParser.parse(low),
            let c = DecimalParser.parse(close), let v = DecimalParser.parse(volume)
        else { return nil }
        return Bar(openTime: openTime, open: o, high: h, low: l, close: c, volume: v)
    }
}
