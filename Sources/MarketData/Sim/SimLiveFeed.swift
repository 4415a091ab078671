import TradingCore

/// Real-time bars from the `sim` exchange for paper runs without network: an `AsyncSequence`
/// that yields each bar when its period has closed.
///
/// The feed maps real time onto market time: at the first `next()` the clock's `now` corresponds
/// to `startTime` (ms UTC; the wall clock by default), and market time then advances `speed`
/// times faster than the clock. The first bar emitted is the one whose period contains
/// `startTime`, as soon as that period ends; then one bar per period. With `speed` 1 and the
/// default start, bars arrive on the wall clock's period boundaries (a `1m` bar just after each
/// minute); with `speed` 60 a `1m` bar arrives every second. The bars are exactly
/// `SyntheticMarket.bars(…)` for the same timestamps.
///
/// The clock is injectable (`ContinuousClock` in production; tests use a very large `speed` or
/// their own `Clock`). Cancelling the consuming task ends the sequence by throwing
/// `CancellationError` from `next()`.
public struct SimLiveFeed<C: _Concurrency.Clock>: AsyncSequence, Sendable where C.Duration == Duration {
    public typealias Element = Bar

    public let market: SyntheticMarket
    public let timeframe: Timeframe
    public let speed: Double
    public let startTime: Int64
    public let clock: C

    /// `speed` must be positive (values ≤ 0 are treated as 1).
    public init(market: SyntheticMarket, timeframe: Timeframe, speed: Double = 1, startTime: Int64? = nil, clock: C) {
        self.market = market
        self.timeframe = timeframe
        self.speed = speed > 0 && speed.isFinite ? speed : 1
        self.startTime = startTime ?? WallClock.nowMilliseconds()
        self.clock = clock
    }

    /// Open time of the first bar the feed emits.
    public var firstOpenTime: Int64 {
        PeriodCalendar.periodStart(containing: startTime, timeframe: timeframe)
    }

    /// Real time after the feed starts at which the bar opening at `openTime` is emitted:
    /// (bar close − startTime) / speed, never negative.
    public func emissionDelay(forBarOpeningAt openTime: Int64) -> Duration {
        let close = PeriodCalendar.nextPeriodStart(after: openTime, timeframe: timeframe)
        let marketMilliseconds = Double(Swift.max(close - startTime, 0))
        let nanoseconds = (marketMilliseconds * 1_000_000 / speed).rounded()
        return .nanoseconds(Int64(Swift.min(nanoseconds, 9e18)))
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(feed: self, nextOpen: firstOpenTime)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let feed: SimLiveFeed
        var nextOpen: Int64
        var anchor: C.Instant?

        public mutating func next() async throws -> Bar? {
            let anchor = self.anchor ?? feed.clock.now
            self.anchor = anchor
            let deadline = anchor.advanced(by: feed.emissionDelay(forBarOpeningAt: nextOpen))
            try await feed.clock.sleep(until: deadline, tolerance: nil)
            let bar = feed.market.bar(timeframe: feed.timeframe, containing: nextOpen)
            nextOpen = PeriodCalendar.nextPeriodStart(after: nextOpen, timeframe: feed.timeframe)
            return bar
        }
    }
}
