import AsyncHTTPClient
import ExchangeHistory
import Foundation
import Synchronization
import Testing
import TradingCore

@Suite("Live candles by polling (paper runs on venues)")
struct PolledCandleFeedTests {
    /// Virtual time: sleeping advances it, so the test never waits.
    final class VirtualClock: Sendable {
        let time: Mutex<Int64>
        let sleeps = Mutex<[Duration]>([])
        init(_ start: Int64) { time = Mutex(start) }
        var now: Int64 { time.withLock { $0 } }
        func sleep(_ duration: Duration) {
            sleeps.withLock { $0.append(duration) }
            let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
            time.withLock { $0 += milliseconds }
        }
    }

    @Test("delivers each bar once its period has closed, starting with the one forming, with no gap")
    func closedBarsInOrder() async throws {
        try await withMockVenue(path: "/api/v3/klines", respond: { request, _ in
            BinanceHistoryTests.klines(request, step: T.hour)
        }) { base, log in
            let clock = VirtualClock(T.jan2024 + 30 * 60_000)  // half-way through the first hour
            let downloader = HistoryDownloader(
                httpClient: .shared, venue: .binance, baseURL: base, retryPolicy: RetryPolicy(jitter: 0),
                pageInterval: .zero, sleep: { clock.sleep($0) }, now: { clock.now })
            let feed = PolledCandleFeed(
                downloader: downloader, symbol: .make("BTC/USDT"), timeframe: .oneHour,
                now: { clock.now }, sleep: { clock.sleep($0) })
            var bars: [Bar] = []
            for try await bar in feed {
                bars.append(bar)
                if bars.count == 3 { break }
            }
            #expect(bars == [Synthetic.bar(T.jan2024), Synthetic.bar(T.jan2024 + T.hour), Synthetic.bar(T.jan2024 + 2 * T.hour)])
            // Waited for each close plus the 2 s settle time: 30 min, then an hour each.
            #expect(clock.sleeps.withLock { $0 } == [.seconds(30 * 60 + 2), .seconds(3600), .seconds(3600)])
            // One request per bar, each from the next bar's open time.
            #expect(log.requests.map { $0.query["startTime"]! } == [T.jan2024, T.jan2024 + T.hour, T.jan2024 + 2 * T.hour].map(String.init))
        }
    }
}
