import AsyncHTTPClient
import ExchangeHistory
import Foundation
import Synchronization
import Testing
import TradingCore

@Suite("Binance klines")
struct BinanceHistoryTests {
    /// The response example of the official docs (GET /api/v3/klines), plus the following week.
    static let docsPayload = """
        [
          [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815", 1499644799999, "2434.19055334", 308, "1756.87402397", "28.46694368", "0"],
          [1499644800000, "0.01577100", "0.01700000", "0.01500000", "0.01650000", "1000.5", 1500249599999, "16.5", 12, "500.25", "8.25", "0"]
        ]
        """

    @Test("request parameters, symbol mapping and exact parsing of the documented payload")
    func documentedPayload() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { _, _ in .json(Self.docsPayload) }) { base, log in
            let from: Int64 = 1_499_040_000_000  // Monday 2017-07-03
            let bars = try await downloader(.binance, baseURL: base).download(
                symbol: .make("ETH/BTC"), timeframe: .oneWeek, from: from, to: from + 14 * T.day)
            #expect(bars == [
                Bar(openTime: 1_499_040_000_000, open: 0.01634790, high: 0.80000000, low: 0.01575800, close: 0.01577100, volume: 148976.11427815),
                Bar(openTime: 1_499_644_800_000, open: 0.01577100, high: 0.017, low: 0.015, close: 0.0165, volume: 1000.5),
            ])
            let request = try #require(log.requests.first)
            #expect(log.requests.count == 1)
            #expect(request.path == "/api/v3/klines")
            #expect(request.query == [
                "symbol": "ETHBTC", "interval": "1w", "startTime": "1499040000000",
                "endTime": String(from + 14 * T.day - 1), "limit": "1000",
            ])
            #expect(request.queryNames == ["symbol", "interval", "startTime", "endTime", "limit"])
            #expect(request.userAgent == HistoryDownloader.userAgent)
        }
    }

    /// Serves generated klines for the requested [startTime, endTime], at most `limit`, oldest first.
    static func klines(_ request: RecordedRequest, step: Int64, extraBefore: Bool = false) -> CannedResponse {
        let start = request.int("startTime")!, end = request.int("endTime")!, limit = Int(request.int("limit")!)
        var times = Synthetic.times(from: start, to: end + 1, step: step).prefix(limit).map { $0 }
        if extraBefore { times.insert(start - step, at: 0) }
        let rows = times.map { t -> String in
            let f = Synthetic.fields(t)
            return #"[\#(t),"\#(f.open)","\#(f.high)","\#(f.low)","\#(f.close)","\#(f.volume)",\#(t + step - 1),"1.0",7,"0.5","0.5","0"]"#
        }
        return .json("[" + rows.joined(separator: ",") + "]")
    }

    @Test("2500 hourly bars arrive in three 1000-bar windows, contiguous, with progress")
    func pagination() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, index in
            Self.klines(request, step: T.hour, extraBefore: index > 0)
        }) { base, log in
            let from = T.jan2024, to = T.jan2024 + 2500 * T.hour
            let reports = Mutex<[DownloadProgress]>([])
            let bars = try await downloader(.binance, baseURL: base).download(
                symbol: .make("BTC/USDT"), timeframe: .oneHour, from: from, to: to
            ) { progress in reports.withLock { $0.append(progress) } }

            #expect(bars.count == 2500)
            #expect(bars.first == Synthetic.bar(from))
            #expect(bars.last == Synthetic.bar(to - T.hour))
            #expect(zip(bars, bars.dropFirst()).allSatisfy { $1.openTime - $0.openTime == T.hour })
            #expect(log.requests.map { $0.query["startTime"]! } == [from, from + 1000 * T.hour, from + 2000 * T.hour].map(String.init))
            #expect(log.requests.map { $0.query["endTime"]! } == [from + 1000 * T.hour - 1, from + 2000 * T.hour - 1, to - 1].map(String.init))
            #expect(log.requests.allSatisfy { $0.query["symbol"] == "BTCUSDT" && $0.query["interval"] == "1h" && $0.query["limit"] == "1000" })

            let progress = reports.withLock { $0 }
            #expect(progress.map(\.fetchedBars) == [1000, 2000, 2500])
            #expect(progress.map(\.expectedBars) == [2500, 2500, 2500])
            #expect(progress.map(\.currentTime) == [from + 1000 * T.hour, from + 2000 * T.hour, to])
            #expect(progress.last?.fraction == 1)
            #expect(progress.first.map { abs($0.fraction - 0.4) < 1e-12 } == true)
        }
    }

    @Test("pages can be stored one by one and a restart from resumeFrom continues without gap or duplicate")
    func resumability() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, _ in Self.klines(request, step: T.minute) }) { base, log in
            let client = downloader(.binance, baseURL: base)
            let from = T.jan2024, to = T.jan2024 + 2300 * T.minute
            var stored: [Bar] = []
            var resumeFrom = from
            for try await page in try client.downloadPages(symbol: .make("BTC/USDT"), timeframe: .oneMinute, from: from, to: to) {
                stored += page.bars
                resumeFrom = page.resumeFrom
                break  // "crash" after the first stored page
            }
            #expect(stored.count == 1000)
            #expect(resumeFrom == from + 1000 * T.minute)
            for try await page in try client.downloadPages(symbol: .make("BTC/USDT"), timeframe: .oneMinute, from: resumeFrom, to: to) {
                stored += page.bars
            }
            #expect(stored.count == 2300)
            #expect(stored == Synthetic.times(from: from, to: to, step: T.minute).map(Synthetic.bar))
            #expect(log.requests.count == 3)
        }
    }

    @Test("the bar still forming at 'now' is not requested or returned; a range entirely in the future makes no request")
    func unclosedBarsExcluded() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, _ in
            // Like the real venue, the current kline is included when the window reaches it.
            let start = request.int("startTime")!
            let rows = Synthetic.times(from: start, to: start + 6 * T.hour, step: T.hour).map { t -> String in
                let f = Synthetic.fields(t)
                return #"[\#(t),"\#(f.open)","\#(f.high)","\#(f.low)","\#(f.close)","\#(f.volume)",\#(t + T.hour - 1),"1",1,"1","1","0"]"#
            }
            return .json("[" + rows.joined(separator: ",") + "]")
        }) { base, log in
            let now = T.jan2024 + 5 * T.hour + 30 * T.minute
            let client = downloader(.binance, baseURL: base, now: now)
            let bars = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + 24 * T.hour)
            #expect(bars.map(\.openTime) == Synthetic.times(from: T.jan2024, to: T.jan2024 + 5 * T.hour, step: T.hour))
            #expect(log.requests.first?.query["endTime"] == String(now - T.hour))

            let future = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: now, to: now + T.day)
            #expect(future.isEmpty)
            #expect(log.requests.count == 1)
        }
    }

    @Test("429 with Retry-After seconds, then 418 with an HTTP-date, then success: waits exactly as told")
    func rateLimitRetryAfter() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, index in
            switch index {
            case 0: CannedResponse(status: 429, headers: ["Retry-After": "7"], body: #"{"code":-1003,"msg":"Too many requests; current limit of IP is 6000 request weight per 1 MINUTE."}"#)
            // now is 2024-01-01T00:00:00Z + 10 days; the date is 42 s later.
            case 1: CannedResponse(status: 418, headers: ["Retry-After": "Thu, 11 Jan 2024 00:00:42 GMT"], body: #"{"code":-1003,"msg":"Way too many requests; IP banned until 1704931242000."}"#)
            default: Self.klines(request, step: T.hour)
            }
        }) { base, log in
            let sleeper = SleepRecorder()
            let client = downloader(.binance, baseURL: base, sleeper: sleeper, now: T.jan2024 + 10 * T.day)
            let bars = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + 3 * T.hour)
            #expect(bars.count == 3)
            #expect(sleeper.durations == [.seconds(7), .seconds(42)])
            #expect(log.requests.count == 3)
            #expect(Set(log.requests.map(\.query)).count == 1)  // the same request repeated
        }
    }

    @Test("429/418 without Retry-After and 5xx back off exponentially: 0.5 s, 1 s, 2 s")
    func backoffWithoutRetryAfter() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, index in
            switch index {
            case 0: CannedResponse(status: 503, body: "<html>Service Unavailable</html>")
            case 1: CannedResponse(status: 418, body: #"{"code":-1003,"msg":"banned"}"#)
            case 2: CannedResponse(status: 502, body: "")
            default: Self.klines(request, step: T.hour)
            }
        }) { base, _ in
            let sleeper = SleepRecorder()
            let bars = try await downloader(.binance, baseURL: base, sleeper: sleeper).download(
                symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + 2 * T.hour)
            #expect(bars.count == 2)
            #expect(sleeper.durations == [.milliseconds(500), .seconds(1), .seconds(2)])
        }
    }

    @Test("exhausted retries fail with DATA_UNAVAILABLE after maxAttempts requests")
    func retriesExhausted() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { _, _ in CannedResponse(status: 500, body: "oops") }) { base, log in
            let sleeper = SleepRecorder()
            let client = downloader(.binance, baseURL: base, sleeper: sleeper, retry: RetryPolicy(maxAttempts: 4, jitter: 0))
            let error = await tradingError {
                _ = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .dataUnavailable)
            #expect(error?.details["attempts"] == .number(4))
            #expect(error?.message.contains("HTTP 500") == true)
            #expect(log.requests.count == 4)
            #expect(sleeper.durations == [.milliseconds(500), .seconds(1), .seconds(2)])
        }
    }

    @Test("a Retry-After longer than allowed (418 ban) fails at once with the wait in details")
    func banTooLong() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { _, _ in
            CannedResponse(status: 418, headers: ["Retry-After": "7200"], body: #"{"code":-1003,"msg":"Way too many requests; IP banned."}"#)
        }) { base, log in
            let sleeper = SleepRecorder()
            let error = await tradingError {
                _ = try await downloader(.binance, baseURL: base, sleeper: sleeper).download(
                    symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(error?.code == .dataUnavailable)
            #expect(error?.details["retryAfterSeconds"] == .number(7200))
            #expect(error?.message.contains("IP banned") == true)
            #expect(log.requests.count == 1)
            #expect(sleeper.durations.isEmpty)
        }
    }

    @Test("4xx other than 429/418 fails immediately with the venue's message; unknown symbol → INVALID_SYMBOL")
    func clientErrors() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, _ in
            request.query["symbol"] == "NOPEUSDT"
                ? CannedResponse(status: 400, body: #"{"code":-1121,"msg":"Invalid symbol."}"#)
                : CannedResponse(status: 400, body: #"{"code":-1100,"msg":"Illegal characters found in parameter 'startTime'."}"#)
        }) { base, log in
            let sleeper = SleepRecorder()
            let client = downloader(.binance, baseURL: base, sleeper: sleeper)
            let unknown = await tradingError {
                _ = try await client.download(symbol: .make("NOPE/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(unknown?.code == .invalidSymbol)
            #expect(unknown?.message.contains("Invalid symbol.") == true)
            #expect(unknown?.details["venueCode"] == .text("-1121"))
            #expect(unknown?.details["status"] == .number(400))

            let other = await tradingError {
                _ = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
            }
            #expect(other?.code == .dataUnavailable)
            #expect(other?.message.contains("Illegal characters") == true)
            #expect(log.requests.count == 2)
            #expect(sleeper.durations.isEmpty)
        }
    }

    @Test("transport errors (connection refused) are retried, then reported")
    func transportError() async throws {
        // Nothing listens on port 9 here. AsyncHTTPClient keeps retrying a refused connection until
        // the request deadline, so a short timeout keeps the test fast.
        let sleeper = SleepRecorder()
        let client = downloader(
            .binance, baseURL: "http://127.0.0.1:9", sleeper: sleeper, retry: RetryPolicy(maxAttempts: 3, jitter: 0),
            timeout: .milliseconds(300))
        let error = await tradingError {
            _ = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024 + T.day)
        }
        #expect(error?.code == .dataUnavailable)
        #expect(error?.message.contains("transport error") == true)
        #expect(sleeper.durations == [.milliseconds(500), .seconds(1)])
    }

    @Test("a polite fixed pause separates pages (not before the first)")
    func pageInterval() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, _ in Self.klines(request, step: T.minute) }) { base, log in
            let sleeper = SleepRecorder()
            let client = HistoryDownloader(
                httpClient: .shared, venue: .binance, baseURL: base + "/", retryPolicy: RetryPolicy(jitter: 0),
                pageInterval: .milliseconds(250), sleep: sleeper.sleep, now: { T.jan2024 + 10 * T.day })
            let bars = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneMinute, from: T.jan2024, to: T.jan2024 + 2500 * T.minute)
            #expect(bars.count == 2500)
            #expect(log.requests.count == 3)
            #expect(sleeper.durations == [.milliseconds(250), .milliseconds(250)])
            #expect(client.baseURL == base)
            #expect(HistoryDownloader(httpClient: .shared, venue: .binance).pageInterval == .milliseconds(100))
        }
    }

    @Test("1M: calendar months, the current month excluded")
    func months() async throws {
        // Month starts of 2023 (UTC).
        let starts: [Int64] = [1_672_531_200_000, 1_675_209_600_000, 1_677_628_800_000, 1_680_307_200_000, 1_682_899_200_000, 1_685_577_600_000,
                               1_688_169_600_000, 1_690_848_000_000, 1_693_526_400_000, 1_696_118_400_000, 1_698_796_800_000, 1_701_388_800_000]
        try await withMockVenue(path: "/api/v3/klines", respond: { request, _ in
            let end = request.int("endTime")!
            let rows = (starts + [1_704_067_200_000]).filter { $0 <= end }.map { t -> String in
                let f = Synthetic.fields(t)
                return #"[\#(t),"\#(f.open)","\#(f.high)","\#(f.low)","\#(f.close)","\#(f.volume)",\#(t + 1),"1",1,"1","1","0"]"#
            }
            return .json("[" + rows.joined(separator: ",") + "]")
        }) { base, log in
            let now: Int64 = 1_702_598_400_000  // 2023-12-15
            let bars = try await downloader(.binance, baseURL: base, now: now).download(
                symbol: .make("BTC/USDT"), timeframe: .oneMonth, from: starts[0], to: 1_704_067_200_000)
            #expect(bars.map(\.openTime) == Array(starts.prefix(11)))
            #expect(log.requests.map(\.query) == [[
                "symbol": "BTCUSDT", "interval": "1M", "startTime": String(starts[0]), "endTime": String(starts[11] - 1), "limit": "1000",
            ]])
        }
    }

    @Test("an empty or inverted range is INVALID_DATE_RANGE")
    func invalidRange() async throws {
        let client = downloader(.binance, baseURL: "http://127.0.0.1:9")
        let error = await tradingError {
            _ = try await client.download(symbol: .make("BTC/USDT"), timeframe: .oneHour, from: T.jan2024, to: T.jan2024)
        }
        #expect(error?.code == .invalidDateRange)
    }
}
