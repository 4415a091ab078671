import ExchangeHistory
import Foundation
import Testing
import TradingCore

@Suite("OKX history candles")
struct OKXHistoryTests {
    static func row(_ t: Int64, confirm: String = "1") -> String {
        let f = Synthetic.fields(t)
        return #"["\#(t)","\#(f.open)","\#(f.high)","\#(f.low)","\#(f.close)","\#(f.volume)","1.5","64000.5","\#(confirm)"]"#
    }

    /// Serves rows with before < ts < after, at most `limit`, newest first (as documented).
    static func candles(_ request: RecordedRequest, step: Int64, unconfirmedFrom: Int64 = .max) -> CannedResponse {
        let after = request.int("after")!, before = request.int("before")!, limit = Int(request.int("limit")!)
        let times = Synthetic.times(from: before + 1, to: after, step: step).reversed().prefix(limit)
        let rows = times.map { row($0, confirm: $0 >= unconfirmedFrom ? "0" : "1") }
        return .json(#"{"code":"0","msg":"","data":[\#(rows.joined(separator: ","))]}"#)
    }

    @Test("documented row shape parsed exactly; instId, bar, after/before cursors over 3 pages of 100")
    func pagination() async throws {
        try await withMockVenue(path: "/api/v5/market/history-candles", respond: { request, _ in
            Self.candles(request, step: T.hour)
        }) { base, log in
            let from = T.jan2024, to = T.jan2024 + 250 * T.hour
            let bars = try await downloader(.okx, baseURL: base).download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: from, to: to)
            #expect(bars == Synthetic.times(from: from, to: to, step: T.hour).map(Synthetic.bar))
            #expect(log.requests.map(\.query) == [
                ["instId": "BTC-USDT", "bar": "1H", "after": String(from + 100 * T.hour), "before": String(from - 1), "limit": "100"],
                ["instId": "BTC-USDT", "bar": "1H", "after": String(from + 200 * T.hour), "before": String(from + 100 * T.hour - 1), "limit": "100"],
                ["instId": "BTC-USDT", "bar": "1H", "after": String(to), "before": String(from + 200 * T.hour - 1), "limit": "100"],
            ])
        }
    }

    @Test("exact values of the documented example row")
    func exactRow() async throws {
        let payload = #"{"code":"0","msg":"","data":[["1597026383085","3.721","3.743","3.677","3.708","8422410","22698348.04828491","12698348.04828491","1"]]}"#
        try await withMockVenue(path: "/api/v5/market/history-candles", respond: { _, _ in .json(payload) }) { base, _ in
            let window = HistoryWindow(start: 1_597_026_383_085, end: 1_597_026_383_085 + T.minute)
            let answer = try await downloader(.okx, baseURL: base).fetchWindow(symbol: .make("BTC/USDT"), timeframe: .oneMinute, window: window)
            #expect(answer.candles == [VenueCandle(
                bar: Bar(openTime: 1_597_026_383_085, open: 3.721, high: 3.743, low: 3.677, close: 3.708, volume: 8422410), isClosed: true)])
        }
    }

    @Test("UTC bar names for 6h and longer")
    func barNames() {
        let venue = OKXVenue()
        let mapped = venue.supportedTimeframes.map { "\($0.rawValue)=\(venue.intervalParameter(for: $0)!)" }
        #expect(mapped == ["1m=1m", "3m=3m", "5m=5m", "15m=15m", "30m=30m", "1h=1H", "2h=2H", "4h=4H", "6h=6Hutc", "12h=12Hutc",
                           "1d=1Dutc", "3d=3Dutc", "1w=1Wutc", "1M=1Mutc"])
    }

    @Test("a candle with confirm=0 is dropped and the download resumes from it")
    func unconfirmedDropped() async throws {
        let from = T.jan2024, to = T.jan2024 + 10 * T.day
        try await withMockVenue(path: "/api/v5/market/history-candles", respond: { request, _ in
            Self.candles(request, step: T.day, unconfirmedFrom: from + 9 * T.day)
        }) { base, _ in
            var pages: [HistoryPage] = []
            for try await page in try downloader(.okx, baseURL: base).downloadPages(symbol: .make("SOL/USDT"), timeframe: .oneDay, from: from, to: to) {
                pages.append(page)
            }
            #expect(pages.count == 1)
            #expect(pages[0].bars.map(\.openTime) == Synthetic.times(from: from, to: from + 9 * T.day, step: T.day))
            #expect(pages[0].resumeFrom == from + 9 * T.day)
        }
    }

    @Test("code != \"0\" is an error: 51001 → INVALID_SYMBOL; HTTP 429 with code 50011 is retried")
    func errorCodes() async throws {
        try await withMockVenue(path: "/api/v5/market/history-candles", respond: { request, index in
            if request.query["instId"] == "FOO-USDT" {
                return .json(#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#)
            }
            if request.query["bar"] == "1Dutc" {
                return .json(#"{"code":"51000","msg":"Parameter bar error","data":[]}"#)
            }
            if index == 2 { return CannedResponse(status: 429, body: #"{"code":"50011","msg":"Too Many Requests","data":[]}"#) }
            return Self.candles(request, step: T.hour)
        }) { base, log in
            let sleeper = SleepRecorder()
            let client = downloader(.okx, baseURL: base, sleeper: sleeper)
            let unknown = await tradingError {
                _ = try await client.download(symbol: .make("FOO/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(unknown?.code == .invalidSymbol)
            #expect(unknown?.details["venueCode"] == .text("51001"))
            let other = await tradingError {
                _ = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneDay, from: T.jan2024, to: T.jan2024 + 3 * T.day)
            }
            #expect(other?.code == .dataUnavailable)
            #expect(other?.message.contains("Parameter bar error") == true)
            #expect(sleeper.durations.isEmpty)

            let bars = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + 5 * T.hour)
            #expect(bars.count == 5)
            #expect(sleeper.durations == [.milliseconds(500)])
            #expect(log.requests.count == 4)
        }
    }

    @Test("8h is not an OKX bar")
    func unsupportedTimeframe() async throws {
        let error = await tradingError {
            _ = try await downloader(.okx, baseURL: "http://127.0.0.1:9").download(
                symbol: .make("BTC/USDT"), timeframe: .eightHours, from: T.jan2024, to: T.jan2024 + T.day)
        }
        #expect(error?.code == .invalidTimeframe)
        #expect(error?.message.contains("OKX does not serve 8h candles") == true)
    }
}
