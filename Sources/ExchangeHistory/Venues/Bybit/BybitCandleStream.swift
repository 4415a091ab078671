#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Bybit v5 public spot kline stream: `wss://stream.bybit.com/v5/public/spot` (testnet
/// `wss://stream-testnet.bybit.com/v5/public/spot`), topic `kline.<interval>.<symbol>`
/// (`kline.1.BTCUSDT`; intervals as ``BybitVenue``: `1 3 5 15 30 60 120 240 360 720 D W M`).
///
/// - Subscribe `{"op":"subscribe","args":["kline.1.BTCUSDT"],"req_id":"…"}`; answer
///   `{"success":true,"ret_msg":"","op":"subscribe","conn_id":"…"}` (`success: false` = refused).
/// - Pushes `{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":…,"data":[{"start":…,"end":…,
///   "interval":"1","open":"…","close":"…","high":"…","low":"…","volume":"…","turnover":"…",
///   "confirm":false,"timestamp":…}]}`; `confirm: true` is the last tick of a closed candle.
/// - Bybit asks for `{"op":"ping"}` every 20 s.
public struct BybitCandleStream: CandleStreamVenue {
    public init() {}

    public var id: String { "bybit" }

    public func host(sandbox: Bool) -> String {
        sandbox ? "wss://stream-testnet.bybit.com" : "wss://stream.bybit.com"
    }

    public func path(symbol: TradingSymbol, timeframe: Timeframe) -> String { "/v5/public/spot" }

    public func supports(_ timeframe: Timeframe) -> Bool { BybitVenue().intervalParameter(for: timeframe) != nil && timeframe != .oneMonth }

    public func topic(symbol: TradingSymbol, timeframe: Timeframe) -> String {
        "kline." + (BybitVenue().intervalParameter(for: timeframe) ?? timeframe.rawValue) + "." + BybitVenue().marketSymbol(for: symbol)
    }

    public func subscribeMessages(symbol: TradingSymbol, timeframe: Timeframe) -> [String] {
        [#"{"op":"subscribe","args":["\#(topic(symbol: symbol, timeframe: timeframe))"],"req_id":"ct-candles"}"#]
    }

    public var heartbeat: (interval: Duration, message: String)? { (.seconds(20), #"{"op":"ping"}"#) }

    struct Frame: Decodable {
        let op: String?
        let success: Bool?
        let ret_msg: String?
        let topic: String?
        let data: [Candle]?
    }

    struct Candle: Decodable {
        let start: Int64
        let open: String
        let close: String
        let high: String
        let low: String
        let volume: String
        let confirm: Bool
    }

    public func parse(_ text: String, symbol: TradingSymbol, timeframe: Timeframe, tracker: inout CandleCloseTracker) -> CandleStreamMessage {
        guard let frame = try? JSONDecoder().decode(Frame.self, from: Data(text.utf8)) else { return .ignored }
        if frame.op == "subscribe" {
            return frame.success == true ? .subscribed : .refused(frame.ret_msg ?? "subscription refused")
        }
        guard frame.topic == topic(symbol: symbol, timeframe: timeframe), let data = frame.data else { return .ignored }
        var closed: [Bar] = []
        for candle in data where candle.confirm {
            if let bar = StreamedBar.make(openTime: candle.start, open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume) {
                closed.append(bar)
            }
        }
        return .closed(closed.sorted { $0.openTime < $1.openTime })
    }
}
