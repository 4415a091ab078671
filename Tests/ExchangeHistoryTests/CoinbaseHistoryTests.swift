import ExchangeHistory
import Foundation
import Testing
import TradingCore

@Suite("Coinbase Exchange candles")
struct CoinbaseHistoryTests {
    @Test("product path, granularity, ISO start/end, User-Agent; [time, low, high, open, close, volume] newest first")
    func documentedShape() async throws {
        let payload = "[[1704070800,42001.5,42250.75,42010.25,42200,12.345678],[1704067200,41900,42050,42000,42010.25,100.5]]"
        try await withMockVenue(path: "/products/BTC-USD/candles", respond: { _, _ in .json(payload) }) { base, log in
            let bars = try await downloader(.coinbase, baseURL: base).download(
                symbol: .make("BTC/USD"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + 2 * T.hour)
            #expect(bars == [
                Bar(openTime: 1_704_067_200_000, open: 42000, high: 42050, low: 41900, close: 42010.25, volume: 100.5),
                Bar(openTime: 1_704_070_800_000, open: 42010.25, high: 42250.75, low: 42001.5, close: 42200, volume: 12.345678),
            ])
            let request = try #require(log.requests.first)
            #expect(request.path == "/products/BTC-USD/candles")
            #expect(request.query == ["granularity": "3600", "start": "2024-01-01T00:00:00Z", "end": "2024-01-01T01:59:59Z"])
            #expect(request.userAgent == HistoryDownloader.userAgent)
        }
    }

    @Test("700 bars in windows of 300; a candle preceding start is not duplicated")
    func pagination() async throws {
        try await withMockVenue(path: "/products/ETH-EUR/candles", respond: { request, _ in
            let start = ISO8601DateFormatter().date(from: request.query["start"]!)!.timeIntervalSince1970
            let end = ISO8601DateFormatter().date(from: request.query["end"]!)!.timeIntervalSince1970
            let step = Int64(request.query["granularity"]!)!
            // Documented quirk: candles may precede `start`; serve one earlier bucket every time.
            let times = stride(from: Int64(start) - step, through: Int64(end), by: Int(step)).reversed()
            let rows = times.map { s -> String in
                let f = Synthetic.fields(s * 1000)
                return "[\(s),\(f.low),\(f.high),\(f.open),\(f.close),\(f.volume)]"
            }
            return .json("[" + rows.joined(separator: ",") + "]")
        }) { base, log in
            let from = T.jan2024, to = T.jan2024 + 700 * 5 * T.minute
            let bars = try await downloader(.coinbase, baseURL: base).download(
                symbol: .make("ETH/EUR"), timeframe: .fiveMinutes, from: from, to: to)
            #expect(bars == Synthetic.times(from: from, to: to, step: 5 * T.minute).map(Synthetic.bar))
            #expect(log.requests.map { $0.query["start"]! } == ["2024-01-01T00:00:00Z", "2024-01-02T01:00:00Z", "2024-01-03T02:00:00Z"])
            #expect(log.requests.map { $0.query["end"]! } == ["2024-01-02T00:59:59Z", "2024-01-03T01:59:59Z", "2024-01-03T10:19:59Z"])
            #expect(log.requests.allSatisfy { $0.query["granularity"] == "300" })
        }
    }

    @Test("unknown product (404 NotFound) → INVALID_SYMBOL; other 400 → the venue's message")
    func errors() async throws {
        try await withMockVenue(path: "/products/FOO-USD/candles", respond: { _, _ in
            CannedResponse(status: 404, body: #"{"message":"NotFound"}"#)
        }) { base, _ in
            let error = await tradingError {
                _ = try await downloader(.coinbase, baseURL: base).download(
                    symbol: .make("FOO/USD"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .invalidSymbol)
            #expect(error?.message.contains("NotFound") == true)
        }
        try await withMockVenue(path: "/products/BTC-USD/candles", respond: { _, _ in
            CannedResponse(status: 400, body: #"{"message":"granularity too small for the requested time range. Count of aggregations requested exceeds 300"}"#)
        }) { base, log in
            let error = await tradingError {
                _ = try await downloader(.coinbase, baseURL: base).download(
                    symbol: .make("BTC/USD"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .dataUnavailable)
            #expect(error?.message.contains("exceeds 300") == true)
            #expect(log.requests.count == 1)
        }
    }

    @Test("30m and 2h are not Coinbase Exchange granularities")
    func unsupportedTimeframe() async throws {
        for timeframe in [Timeframe.thirtyMinutes, .twoHours, .fourHours] {
            let error = await tradingError {
                _ = try await downloader(.coinbase, baseURL: "http://127.0.0.1:9").download(
                    symbol: .make("BTC/USD"), timeframe: timeframe, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .invalidTimeframe)
            #expect(error?.details["accepted"] == .list(["1m", "5m", "15m", "1h", "6h", "1d"]))
        }
    }
}
