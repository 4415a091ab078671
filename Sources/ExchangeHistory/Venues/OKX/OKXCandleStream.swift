#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// OKX v5 candlesticks: the `candle<bar>` channel on the **business** endpoint
/// `wss://ws.okx.com:8443/ws/v5/business` (bars as ``OKXVenue``: `candle1m`, `candle1H`,
/// `candle1Dutc`…). Demo runs use production candles, as their REST candles do.
///
/// - Subscribe `{"op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"}]}`; answer
///   `{"event":"subscribe","arg":{…},"connId":"…"}`, or `{"event":"error","code":"60012","msg":"…"}`.
/// - Pushes `{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[[ts,o,h,l,c,vol,volCcy,
///   volCcyQuote,confirm]]}`, all strings; `confirm` `"1"` = the candle is completed.
/// - OKX closes a connection silent for 30 s: the text `ping` every 25 s (answer `pong`).
public struct OKXCandleStream: CandleStreamVenue {
    public init() {}

    public var id: String { "okx" }

    public func host(sandbox: Bool) -> String { "wss://ws.okx.com:8443" }

    public func path(symbol: TradingSymbol, timeframe: Timeframe) -> String { "/ws/v5/business" }

    public func supports(_ timeframe: Timeframe) -> Bool { OKXVenue().intervalParameter(for: timeframe) != nil && timeframe != .oneMonth }

    public func channel(for timeframe: Timeframe) -> String {
        "candle" + (OKXVenue().intervalParameter(for: timeframe) ?? timeframe.rawValue)
    }

    public func subscribeMessages(symbol: TradingSymbol, timeframe: Timeframe) -> [String] {
        [#"{"op":"subscribe","args":[{"channel":"\#(channel(for: timeframe))","instId":"\#(OKXVenue().marketSymbol(for: symbol))"}]}"#]
    }

    public var heartbeat: (interval: Duration, message: String)? { (.seconds(25), "ping") }

    struct Frame: Decodable {
        struct Argument: Decodable {
            let channel: String?
            let instId: String?
        }

        let event: String?
        let code: String?
        let msg: String?
        let arg: Argument?
        let data: [[String]]?
    }

    public func parse(_ text: String, symbol: TradingSymbol, timeframe: Timeframe, tracker: inout CandleCloseTracker) -> CandleStreamMessage {
        guard text != "pong", let frame = try? JSONDecoder().decode(Frame.self, from: Data(text.utf8)) else { return .ignored }
        switch frame.event {
        case "subscribe": return .subscribed
        case "error": return .refused("\(frame.msg ?? "error") (code \(frame.code ?? "?"))")
        case .some: return .ignored
        case nil: break
        }
        guard frame.arg?.channel == channel(for: timeframe), frame.arg?.instId == OKXVenue().marketSymbol(for: symbol),
            let rows = frame.data
        else { return .ignored }
        var closed: [Bar] = []
        for row in rows where row.count >= 9 && row[8] == "1" {
            if let time = Int64(row[0]), let bar = StreamedBar.make(openTime: time, open: row[1], high: row[2], low: row[3], close: row[4], volume: row[5]) {
                closed.append(bar)
            }
        }
        return .closed(closed.sorted { $0.openTime < $1.openTime })
    }
}
