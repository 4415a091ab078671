import ExchangeHistory
import MarketData
import Testing
import TradingCore

@Suite("Retry policy, progress bar and catalogue")
struct HistorySupportTests {
    @Test("exponential backoff 0.5 s × 2ⁿ capped at 30 s; jitter stays within [½d, d]")
    func backoff() {
        let policy = RetryPolicy(jitter: 0)
        #expect((1...8).map { policy.backoff(afterFailures: $0, random: 0.7) }
            == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30)])
        let jittered = RetryPolicy.default
        #expect(jittered.maxAttempts == 6)
        #expect(jittered.backoff(afterFailures: 3, random: 0) == .seconds(2))
        #expect(jittered.backoff(afterFailures: 3, random: 1) == .seconds(1))
        for _ in 0..<50 {
            let delay = jittered.backoff(afterFailures: 2)
            #expect(delay >= .milliseconds(500) && delay <= .seconds(1))
        }
    }

    @Test("Retry-After: delta-seconds or IMF-fixdate relative to now")
    func retryAfter() {
        let now: Int64 = 1_704_067_200_000  // 2024-01-01T00:00:00Z
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter(" 3 ", now: now) == .seconds(3))
        #expect(RetryPolicy.parseRetryAfter("Mon, 01 Jan 2024 00:01:30 GMT", now: now) == .seconds(90))
        #expect(RetryPolicy.parseRetryAfter("Sun, 31 Dec 2023 23:00:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    @Test("terminal progress line")
    func progressBar() {
        let progress = DownloadProgress(fetchedBars: 5200, expectedBars: 10000, fromTime: 0, currentTime: 52, toTime: 100, fraction: 0.52, etaSeconds: 11.2)
        #expect(TerminalProgressBar.render(progress) == "[#####.....] 52% 5200/10000 bars ETA 12s")
        var done = progress
        done.fetchedBars = 10000
        done.currentTime = 100
        done.fraction = 1
        done.etaSeconds = 0
        #expect(TerminalProgressBar.render(done, width: 4) == "[####] 100% 10000/10000 bars")
        var starting = progress
        starting.fraction = 0
        starting.fetchedBars = 0
        starting.etaSeconds = nil
        #expect(TerminalProgressBar.render(starting) == "[..........] 0% 0/10000 bars")
        #expect(TerminalProgressBar.formatDuration(185) == "3m05s")
        #expect(TerminalProgressBar.formatDuration(7620) == "2h07m")
    }

    @Test("closed-bar boundary: fixed timeframes by length, months by calendar")
    func closedBoundary() {
        let now: Int64 = 1_706_788_800_000  // 2024-02-01T12:00:00Z
        #expect(HistoryDownloader.firstUnclosedOpenTime(now: now, timeframe: .oneHour) == now - 3_600_000 + 1)
        #expect(HistoryDownloader.firstUnclosedOpenTime(now: now, timeframe: .oneMonth) == 1_706_745_600_000)  // 2024-02-01
    }

    @Test("every venue's ExchangeCapabilities timeframes are exactly those it can download")
    func catalogueConsistency() throws {
        for id in VenueID.allCases {
            let venue = id.venue
            let capabilities = try #require(venue.capabilities)
            #expect(Set(venue.supportedTimeframes).isSubset(of: Set(capabilities.timeframes)), "\(id)")
            let missing = capabilities.timeframes.filter { !venue.supportedTimeframes.contains($0) }
            #expect(missing == [], "\(id)")
        }
        #expect(VenueID(id: "OKX") == .okx)
    }

    @Test("base URL override and default production URLs")
    func baseURLs() {
        #expect(VenueID.allCases.map { $0.venue.defaultBaseURL } == [
            "https://api.binance.com", "https://api.bybit.com", "https://www.okx.com", "https://api.kraken.com",
            "https://api.exchange.coinbase.com",
        ])
        let request = VenueRequest(path: "/x", query: [QueryItem("a", "2024-01-01T00:00:00Z"), QueryItem("b", "x y")])
        #expect(request.pathAndQuery == "/x?a=2024-01-01T00%3A00%3A00Z&b=x%20y")
    }
}
