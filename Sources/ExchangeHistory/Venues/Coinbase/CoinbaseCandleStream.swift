#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Coinbase Advanced Trade market data `candles` channel: `wss://advanced-trade-ws.coinbase.com`.
///
/// - **Five-minute candles only** ("grouped into five-minute buckets, with updates every
///   second"): other timeframes have no stream and are polled from REST.
/// - Subscribe (no authentication) `{"type":"subscribe","product_ids":["BTC-USD"],"channel":"candles"}`,
///   plus the `heartbeats` channel, which keeps a quiet subscription open (Coinbase closes
///   channels silent for 60–90 s). Coinbase disconnects a client that has not subscribed within 5 s.
/// - Pushes `{"channel":"candles","events":[{"type":"snapshot"|"update","candles":[{"start":"1688998200",
///   "high":"…","low":"…","open":"…","close":"…","volume":"…","product_id":"BTC-USD"}]}]}`
///   (`start` in Unix seconds); `{"channel":"subscriptions",…}` acknowledges, `{"type":"error","message":…}` refuses.
/// - **No "closed" flag**: a candle is closed when one with a later `start` arrives (``CandleCloseTracker``).
public struct CoinbaseCandleStream: CandleStreamVenue {
    public init() {}

    public var id: String { "coinbase" }

    /// The sandbox has static answers and no candles: runs there use production market data.
    public func host(sandbox: Bool) -> String { "wss://advanced-trade-ws.coinbase.com" }

    public func path(symbol: TradingSymbol, timeframe: Timeframe) -> String { "" }

    public func supports(_ timeframe: Timeframe) -> Bool { timeframe == .fiveMinutes }

    public func subscribeMessages(symbol: TradingSymbol, timeframe: Timeframe) -> [String] {
        let product = CoinbaseVenue().marketSymbol(for: symbol)
        return [
            #"{"type":"subscribe","product_ids":["\#(product)"],"channel":"candles"}"#,
            #"{"type":"subscribe","product_ids":["\#(product)"],"channel":"heartbeats"}"#,
        ]
    }

    struct Frame: Decodable {
        let type: String?
        let message: String?
        let channel: String?
        let events: [Event]?
    }

    struct Event: Decodable {
        let candles: [Candle]?
    }

    struct Candle: Decodable {
        let start: String
        let high: String
        let low: String
        let open: String
        let close: String
        let volume: String
        let product_id: String
    }

    public func parse(_ text: String, symbol: TradingSymbol, timeframe: Timeframe, tracker: inout CandleCloseTracker) -> CandleStreamMessage {
        guard let frame = try? JSONDecoder().decode(Frame.self, from: Data(text.utf8)) else { return .ignored }
        if frame.type == "error" { return .refused(frame.message ?? "error") }
        switch frame.channel {
        case "subscriptions": return .subscribed
        case "candles": break
        default: return .ignored
        }
        let product = CoinbaseVenue().marketSymbol(for: symbol)
        var candles: [Bar] = []
        for event in frame.events ?? [] {
            for candle in event.candles ?? [] where candle.product_id == product {
                guard let start = Int64(candle.start),
                    let bar = StreamedBar.make(openTime: start * 1000, open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume)
                else { continue }
                candles.append(bar)
            }
        }
        candles.sort { $0.openTime < $1.openTime }
        var closed: [Bar] = []
        for bar in candles {
            if let done = tracker.observe(bar) { closed.append(done) }
        }
        return .closed(closed)
    }
}
