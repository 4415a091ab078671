import MarketData
import TradingCore

/// Live candles from a venue for paper runs: each bar as soon as its period has closed, fetched
/// from the venue's public kline endpoint (the same requests, retries and rate-limit handling as
/// history downloads).
///
/// The first bar is the one forming when iteration starts; after each period closes the feed waits
/// `settle` for the venue to publish it, then asks for every closed bar since the last one it gave,
/// so a slow answer or a missed poll never skips a bar. Ends by throwing when the task is cancelled.
public struct PolledCandleFeed: AsyncSequence, Sendable {
    public typealias Element = Bar

    let downloader: HistoryDownloader
    let symbol: TradingSymbol
    let timeframe: Timeframe
    let settle: Duration
    let retryInterval: Duration
    let now: @Sendable () -> Int64
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - settle: how long after a period's close to ask for it (venues publish within a second or two).
    ///   - retryInterval: wait before asking again when the closed bar is not there yet.
    public init(
        downloader: HistoryDownloader, symbol: TradingSymbol, timeframe: Timeframe,
        settle: Duration = .seconds(2), retryInterval: Duration = .seconds(5),
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.downloader = downloader
        self.symbol = symbol
        self.timeframe = timeframe
        self.settle = settle
        self.retryInterval = retryInterval
        self.now = now
        self.sleep = sleep
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(feed: self, cursor: PeriodCalendar.periodStart(containing: now(), timeframe: timeframe))
    }

    public struct Iterator: AsyncIteratorProtocol {
        let feed: PolledCandleFeed
        /// Open time of the next bar to deliver.
        var cursor: Int64
        var buffered: [Bar] = []

        public mutating func next() async throws -> Bar? {
            while buffered.isEmpty {
                try Task.checkCancellation()
                let close = PeriodCalendar.nextPeriodStart(after: cursor, timeframe: feed.timeframe)
                let wait = close - feed.now()
                if wait > 0 { try await feed.sleep(.milliseconds(wait) + feed.settle) }
                let bars = try await feed.downloader.download(
                    symbol: feed.symbol, timeframe: feed.timeframe, from: cursor, to: Swift.max(feed.now(), close))
                buffered = bars.filter { $0.openTime >= cursor }
                if buffered.isEmpty { try await feed.sleep(feed.retryInterval) }
            }
            let bar = buffered.removeFirst()
            cursor = PeriodCalendar.nextPeriodStart(after: bar.openTime, timeframe: feed.timeframe)
            return bar
        }
    }
}
