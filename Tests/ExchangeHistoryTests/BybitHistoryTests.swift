import ExchangeHistory
import Foundation
import Testing
import TradingCore

@Suite("Bybit v5 klines")
struct BybitHistoryTests {
    /// The documented response shape (GET /v5/market/kline), newest first.
    static let docsPayload = """
        {"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSDT","category":"spot","list":[
          ["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"],
          ["1670605200000","17071.5","17071.5","17061","17071","4177","0.24469757"],
          ["1670601600000","17086.5","17088","16978","17071.5","6356","0.37288112"]
        ]},"retExtInfo":{},"time":1672025956592}
        """

    @Test("query parameters, interval mapping and newest-first rows reversed with exact values")
    func documentedPayload() async throws {
        try await withMockVenue(path: "/v5/market/kline", respond: { _, _ in .json(Self.docsPayload) }) { base, log in
            let from: Int64 = 1_670_601_600_000
            let bars = try await downloader(.bybit, baseURL: base).download(
                symbol: .make("btc/usdt"), timeframe: .oneHour, from: from, to: from + 3 * T.hour)
            #expect(bars == [
                Bar(openTime: 1_670_601_600_000, open: 17086.5, high: 17088, low: 16978, close: 17071.5, volume: 6356),
                Bar(openTime: 1_670_605_200_000, open: 17071.5, high: 17071.5, low: 17061, close: 17071, volume: 4177),
                Bar(openTime: 1_670_608_800_000, open: 17071, high: 17073, low: 17027, close: 17055.5, volume: 268611),
            ])
            #expect(log.requests.first?.query == [
                "category": "spot", "symbol": "BTCUSDT", "interval": "60",
                "start": "1670601600000", "end": String(from + 3 * T.hour - 1), "limit": "1000",
            ])
        }
    }

    @Test("interval names: 1 3 5 15 30 60 120 240 360 720 D W M")
    func intervals() {
        let venue = BybitVenue()
        let mapped = venue.supportedTimeframes.map { "\($0.rawValue)=\(venue.intervalParameter(for: $0)!)" }
        #expect(mapped == ["1m=1", "3m=3", "5m=5", "15m=15", "30m=30", "1h=60", "2h=120", "4h=240", "6h=360", "12h=720", "1d=D", "1w=W", "1M=M"])
    }

    @Test("1500 bars over two newest-first pages come back ascending without gaps")
    func pagination() async throws {
        try await withMockVenue(path: "/v5/market/kline", respond: { request, _ in
            let start = request.int("start")!, end = request.int("end")!
            let rows = Synthetic.times(from: start, to: end + 1, step: 15 * T.minute).reversed().map { t -> String in
                let f = Synthetic.fields(t)
                return #"["\#(t)","\#(f.open)","\#(f.high)","\#(f.low)","\#(f.close)","\#(f.volume)","1.5"]"#
            }
            return .json(#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","symbol":"ETHUSDT","list":[\#(rows.joined(separator: ","))]},"retExtInfo":{},"time":1}"#)
        }) { base, log in
            let from = T.jan2024, to = T.jan2024 + 1500 * 15 * T.minute
            let bars = try await downloader(.bybit, baseURL: base).download(symbol: .make("ETH/USDT"), timeframe: .fifteenMinutes, from: from, to: to)
            #expect(bars == Synthetic.times(from: from, to: to, step: 15 * T.minute).map(Synthetic.bar))
            #expect(log.requests.map { $0.query["start"]! } == [String(from), String(from + 1000 * 15 * T.minute)])
            #expect(log.requests.allSatisfy { $0.query["interval"] == "15" && $0.query["symbol"] == "ETHUSDT" })
        }
    }

    @Test("retCode != 0 is an error; 10006 (too many visits) is retried")
    func retCodes() async throws {
        try await withMockVenue(path: "/v5/market/kline", respond: { request, index in
            if request.query["symbol"] == "FOOUSDT" {
                return .json(#"{"retCode":10001,"retMsg":"Not supported symbols","result":{},"retExtInfo":{},"time":1}"#)
            }
            if index == 1 { return .json(#"{"retCode":10006,"retMsg":"Too many visits!","result":{},"retExtInfo":{},"time":1}"#) }
            return .json(Self.docsPayload)
        }) { base, log in
            let sleeper = SleepRecorder()
            let client = downloader(.bybit, baseURL: base, sleeper: sleeper)
            let error = await tradingError {
                _ = try await client.download(symbol: .make("FOO/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .invalidSymbol)
            #expect(error?.message.contains("Not supported symbols") == true)
            #expect(error?.details["venueCode"] == .text("10001"))
            #expect(sleeper.durations.isEmpty)

            let from: Int64 = 1_670_601_600_000
            let bars = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: from, to: from + 3 * T.hour)
            #expect(bars.count == 3)
            #expect(sleeper.durations == [.milliseconds(500)])
            #expect(log.requests.count == 3)
        }
    }

    @Test("an unsupported timeframe is INVALID_TIMEFRAME with Bybit's list, before any request")
    func unsupportedTimeframe() async throws {
        let error = await tradingError {
            _ = try await downloader(.bybit, baseURL: "http://127.0.0.1:9").download(
                symbol: .make("BTC/USDT"), timeframe: .eightHours, from: T.jan2024, to: T.jan2024 + T.day)
        }
        #expect(error?.code == .invalidTimeframe)
        #expect(error?.details["accepted"] == .list(["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w", "1M"]))
        #expect(error?.details["exchange"] == .text("bybit"))
    }
}
