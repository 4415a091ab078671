#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MarketData
import TradingCore

/// Kraken spot WebSocket v2 `ohlc` channel: `wss://ws.kraken.com/v2` (Kraken has no spot sandbox).
///
/// - Subscribe `{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD"],"interval":1,
///   "snapshot":true},"req_id":…}` (v2 symbols are `BTC/USD`, not `XBT/USD`; intervals in minutes
///   `1 5 15 30 60 240 1440 10080`); answer `{"method":"subscribe","success":true,"result":{…}}`,
///   `success: false` with `error` when refused.
/// - Pushes `{"channel":"ohlc","type":"snapshot"|"update","data":[{"symbol":"BTC/USD","open":…,
///   "high":…,"low":…,"close":…,"trades":…,"volume":…,"vwap":…,"interval_begin":"2023-10-04T15:25:00.000000000Z",
///   "interval":5,"timestamp":…}]}` with numbers as JSON numbers, on every trade.
/// - **No "closed" flag**: a candle is closed when one with a later `interval_begin` arrives
///   (``CandleCloseTracker``). A quiet market closes late; the feed's REST fallback covers that.
public struct KrakenCandleStream: CandleStreamVenue {
    public init() {}

    public var id: String { "kraken" }

    public func host(sandbox: Bool) -> String { "wss://ws.kraken.com" }

    public func path(symbol: TradingSymbol, timeframe: Timeframe) -> String { "/v2" }

    public func supports(_ timeframe: Timeframe) -> Bool { KrakenVenue().intervalParameter(for: timeframe) != nil }

    /// Kraken v2's pair name (`BTC/USD`).
    public func pair(_ symbol: TradingSymbol) -> String { symbol.base + "/" + symbol.quote }

    public func subscribeMessages(symbol: TradingSymbol, timeframe: Timeframe) -> [String] {
        let interval = KrakenVenue().intervalParameter(for: timeframe) ?? "1"
        return [#"{"method":"subscribe","params":{"channel":"ohlc","symbol":["\#(pair(symbol))"],"interval":\#(interval),"snapshot":true},"req_id":1}"#]
    }

    public var heartbeat: (interval: Duration, message: String)? { (.seconds(30), #"{"method":"ping"}"#) }

    struct Frame: Decodable {
        let method: String?
        let success: Bool?
        let error: String?
        let channel: String?
        let data: [Candle]?
    }

    struct Candle: Decodable {
        let symbol: String
        let open: Double
        let high: Double
        let low: Double
        let close: Double
        let volume: Double
        let interval_begin: String
        let interval: Int
    }

    public func parse(_ text: String, symbol: TradingSymbol, timeframe: Timeframe, tracker: inout CandleCloseTracker) -> CandleStreamMessage {
        guard let frame = try? JSONDecoder().decode(Frame.self, from: Data(text.utf8)) else { return .ignored }
        if frame.method == "subscribe" {
            return frame.success == true ? .subscribed : .refused(frame.error ?? "subscription refused")
        }
        guard frame.channel == "ohlc", let data = frame.data else { return .ignored }
        let wanted = Int(KrakenVenue().intervalParameter(for: timeframe) ?? "") ?? -1
        var closed: [Bar] = []
        for candle in data where candle.symbol == pair(symbol) && candle.interval == wanted {
            guard let begin = ISO8601Text.parse(candle.interval_begin) else { continue }
            let bar = Bar(openTime: begin, open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume)
            if let done = tracker.observe(bar) { closed.append(done) }
        }
        return .closed(closed)
    }
}
