#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Binance spot kline stream: the raw stream `<symbol>@kline_<interval>` (symbol lower-case) at
/// `wss://stream.binance.com:9443/ws/<stream>` (Spot Testnet `wss://stream.testnet.binance.vision/ws/<stream>`).
///
/// - The stream is named in the URL, so nothing is sent and no acknowledgement comes.
/// - Each event: `{"e":"kline","E":…,"s":"BTCUSDT","k":{"t":openTime,"T":closeTime,"s":…,"i":"1m",
///   "o":"…","c":"…","h":"…","l":"…","v":"…","x":false,…}}`, about every second (every 250 ms on
///   `1s`); `k.x == true` is the final state of a closed kline.
/// - The server pings every 20 s (the WebSocket client answers) and ends each connection after 24 h.
public struct BinanceCandleStream: CandleStreamVenue {
    public init() {}

    public var id: String { "binance" }
    public var subscribedOnOpen: Bool { true }

    public func host(sandbox: Bool) -> String {
        sandbox ? "wss://stream.testnet.binance.vision" : "wss://stream.binance.com:9443"
    }

    /// Binance's stream name for `symbol` and `timeframe`.
    public func streamName(symbol: TradingSymbol, timeframe: Timeframe) -> String {
        (symbol.base + symbol.quote).lowercased() + "@kline_" + timeframe.rawValue
    }

    public func path(symbol: TradingSymbol, timeframe: Timeframe) -> String {
        "/ws/" + streamName(symbol: symbol, timeframe: timeframe)
    }

    /// Every contract timeframe but `1M` (calendar months are not fixed-length periods here).
    public func supports(_ timeframe: Timeframe) -> Bool { timeframe != .oneMonth }

    public func subscribeMessages(symbol: TradingSymbol, timeframe: Timeframe) -> [String] { [] }

    struct Event: Decodable {
        let e: String?
        let k: Kline?
    }

    struct Kline: Decodable {
        let t: Int64
        let s: String?
        let i: String?
        let o: String
        let c: String
        let h: String
        let l: String
        let v: String
        let x: Bool
    }

    public func parse(_ text: String, symbol: TradingSymbol, timeframe: Timeframe, tracker: inout CandleCloseTracker) -> CandleStreamMessage {
        guard let event = try? JSONDecoder().decode(Event.self, from: Data(text.utf8)), event.e == "kline", let k = event.k else {
            return .ignored
        }
        guard k.x, k.i == nil || k.i == timeframe.rawValue,
            let bar = StreamedBar.make(openTime: k.t, open: k.o, high: k.h, low: k.l, close: k.c, volume: k.v)
        else { return .closed([]) }
        return .closed([bar])
    }
}
