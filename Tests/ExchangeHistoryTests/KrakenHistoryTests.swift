import ExchangeHistory
import Foundation
import Testing
import TradingCore

@Suite("Kraken OHLC")
struct KrakenHistoryTests {
    /// The documented example (GET /0/public/OHLC?pair=XBTUSD): rows keyed by the canonical pair name, plus `last`.
    static let docsPayload = """
        {"error":[],"result":{"XXBTZUSD":[
          [1688671200,"30306.1","30306.2","30305.7","30305.7","30306.1","3.39243896",23],
          [1688671260,"30304.5","30304.5","30300.0","30300.0","30300.0","4.42996871",18]
        ],"last":1688672160}}
        """

    @Test("pair mapping BTC→XBT, interval minutes, since in seconds; rows parsed exactly (vwap skipped)")
    func documentedPayload() async throws {
        try await withMockVenue(path: "/0/public/OHLC", respond: { _, _ in .json(Self.docsPayload) }) { base, log in
            let from: Int64 = 1_688_671_200_000
            let bars = try await downloader(.kraken, baseURL: base).download(
                symbol: .make("BTC/USD"), timeframe: .oneMinute, from: from, to: from + 2 * T.minute)
            #expect(bars == [
                Bar(openTime: 1_688_671_200_000, open: 30306.1, high: 30306.2, low: 30305.7, close: 30305.7, volume: 3.39243896),
                Bar(openTime: 1_688_671_260_000, open: 30304.5, high: 30304.5, low: 30300.0, close: 30300.0, volume: 4.42996871),
            ])
            #expect(log.requests.first?.query == ["pair": "XBTUSD", "interval": "1", "since": "1688671199"])
            #expect(KrakenVenue().marketSymbol(for: .make("DOGE/EUR")) == "XDGEUR")
            #expect(KrakenVenue().intervalParameter(for: .oneWeek) == "10080")
        }
    }

    /// Like the real endpoint: the 720 most recent hourly entries at most (the last one still forming).
    static func recent(_ request: RecordedRequest, now: Int64) -> CannedResponse {
        let current = now - now % T.hour
        let since = request.int("since")! * 1000
        let oldest = max(current - 719 * T.hour, since + 1000 - (since + 1000) % T.hour + ((since + 1000) % T.hour == 0 ? 0 : T.hour))
        let rows = Synthetic.times(from: oldest, to: current + 1, step: T.hour).map { t -> String in
            let f = Synthetic.fields(t)
            return #"[\#(t / 1000),"\#(f.open)","\#(f.high)","\#(f.low)","\#(f.close)","\#(f.open)","\#(f.volume)",5]"#
        }
        return .json(#"{"error":[],"result":{"XXBTZUSD":[\#(rows.joined(separator: ","))],"last":\#(current / 1000)}}"#)
    }

    @Test("history older than the 720 most recent entries: DATA_UNAVAILABLE by default, partial with a notice on request")
    func retentionLimit() async throws {
        let now = T.jan2024 + 2000 * T.hour + 30 * T.minute
        try await withMockVenue(path: "/0/public/OHLC", respond: { request, _ in Self.recent(request, now: now) }) { base, log in
            let from = T.jan2024 + 1000 * T.hour
            let error = await tradingError {
                _ = try await downloader(.kraken, baseURL: base, now: now).download(
                    symbol: .make("BTC/USD"), timeframe: .oneHour, from: from, to: now)
            }
            #expect(error?.code == .dataUnavailable)
            #expect(error?.message.contains("720 most recent") == true)
            #expect(error?.details["oldestAvailable"] == .text("2024-02-23T09:00:00Z"))  // now − 719 h, floored to the hour

            var pages: [HistoryPage] = []
            let partial = downloader(.kraken, baseURL: base, now: now, partial: .allowPartial)
            for try await page in try partial.downloadPages(symbol: .make("BTC/USD"), timeframe: .oneHour, from: from, to: now) {
                pages.append(page)
            }
            let bars = pages.flatMap(\.bars)
            #expect(pages.count == 2)
            #expect(pages[0].notice?.contains("missing") == true)
            #expect(pages[1].notice == nil)
            #expect(bars.count == 719)  // every closed bar Kraken still has; the forming one is excluded
            #expect(bars.first?.openTime == T.jan2024 + 1281 * T.hour)
            #expect(bars.last?.openTime == T.jan2024 + 1999 * T.hour)
            #expect(zip(bars, bars.dropFirst()).allSatisfy { $1.openTime - $0.openTime == T.hour })
            #expect(log.requests.map { $0.query["since"]! }.suffix(2) == [String(from / 1000 - 1), String((from + 720 * T.hour) / 1000 - 1)])
        }
    }

    @Test("a non-empty error array is an error; rate-limit errors are retried")
    func errorArray() async throws {
        try await withMockVenue(path: "/0/public/OHLC", respond: { request, index in
            if request.query["pair"] == "FOOUSD" { return .json(#"{"error":["EQuery:Unknown asset pair"]}"#) }
            if index == 1 { return .json(#"{"error":["EGeneral:Too many requests"]}"#) }
            return .json(Self.docsPayload)
        }) { base, log in
            let sleeper = SleepRecorder()
            let client = downloader(.kraken, baseURL: base, sleeper: sleeper)
            let error = await tradingError {
                _ = try await client.download(symbol: .make("FOO/USD"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .invalidSymbol)
            #expect(error?.message.contains("EQuery:Unknown asset pair") == true)

            let from: Int64 = 1_688_671_200_000
            let bars = try await client.download(symbol: .make("BTC/USD"), timeframe: .oneMinute, from: from, to: from + 2 * T.minute)
            #expect(bars.count == 2)
            #expect(sleeper.durations == [.milliseconds(500)])
            #expect(log.requests.count == 3)
        }
    }

    @Test("3m is not a Kraken interval")
    func unsupportedTimeframe() async throws {
        let error = await tradingError {
            _ = try await downloader(.kraken, baseURL: "http://127.0.0.1:9").download(
                symbol: .make("BTC/USD"), timeframe: .threeMinutes, from: T.jan2024, to: T.jan2024 + T.day)
        }
        #expect(error?.code == .invalidTimeframe)
        #expect(error?.details["accepted"] == .list(["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"]))
    }
}
