import Logging
import MarketData
import TradingCore

/// Live closed candles for paper, sandbox and live runs: from the venue's candle WebSocket when
/// it is up, from REST polling (the same requests as ``PolledCandleFeed``) when it is not.
///
/// Each bar is delivered once, in open-time order, whichever source brings it:
/// - the feed waits for the bar at its cursor; the stream normally brings it when its period
///   closes. If it has not come by `close + settle + streamGrace` (stream live) or
///   `close + settle` (stream down or never connected), the bar is fetched from REST;
/// - a streamed bar older than the cursor (REST was faster, or the venue repeats itself after a
///   reconnect) is dropped; a streamed bar past the cursor means bars were missed while the
///   stream was down: the gap is filled from REST first;
/// - when the stream comes back, bars flow from it again; ``Source`` changes are reported to
///   `onSourceChange`.
///
/// A venue (or a timeframe: Coinbase streams only 5-minute candles) without a stream polls only.
/// Ends by throwing when the task is cancelled; the stream is closed when iteration ends.
public struct LiveCandleFeed: AsyncSequence, Sendable {
    public typealias Element = Bar

    /// Where the last delivered bar came from.
    public enum Source: String, Sendable, Equatable {
        case stream
        case polling
    }

    /// The stream to use: which venue protocol, at which URL.
    public struct Stream: Sendable {
        public var venue: any CandleStreamVenue
        public var url: String
        public var backoff: StreamBackoff

        public init(venue: any CandleStreamVenue, url: String, backoff: StreamBackoff = StreamBackoff()) {
            self.venue = venue
            self.url = url
            self.backoff = backoff
        }
    }

    let downloader: HistoryDownloader
    let stream: Stream?
    let symbol: TradingSymbol
    let timeframe: Timeframe
    let settle: Duration
    let streamGrace: Duration
    let retryInterval: Duration
    let startTime: Int64?
    let now: @Sendable () -> Int64
    let onSourceChange: @Sendable (Source) -> Void
    let logger: Logger

    /// - Parameters:
    ///   - stream: the candle stream; nil polls only.
    ///   - settle: how long after a period's close REST is asked for it.
    ///   - streamGrace: how much longer a live stream is waited for before REST is asked.
    ///   - retryInterval: wait before asking REST again when the closed bar is not there yet.
    ///   - startTime: open time of the first bar to deliver (default: the bar forming now).
    public init(
        downloader: HistoryDownloader, stream: Stream?, symbol: TradingSymbol, timeframe: Timeframe,
        settle: Duration = .seconds(2), streamGrace: Duration = .seconds(3), retryInterval: Duration = .seconds(5),
        startTime: Int64? = nil, now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() },
        logger: Logger = Logger(label: "cracktrader.candles"),
        onSourceChange: @escaping @Sendable (Source) -> Void = { _ in }
    ) {
        self.downloader = downloader
        self.stream = stream.flatMap { $0.venue.supports(timeframe) ? $0 : nil }
        self.symbol = symbol
        self.timeframe = timeframe
        self.settle = settle
        self.streamGrace = streamGrace
        self.retryInterval = retryInterval
        self.startTime = startTime
        self.now = now
        self.logger = logger
        self.onSourceChange = onSourceChange
    }

    /// True when this feed has a stream (the venue streams this timeframe).
    public var hasStream: Bool { stream != nil }

    public func makeAsyncIterator() -> Iterator {
        let inbox = CandleInbox()
        var task: Task<Void, Never>?
        if let stream {
            let client = CandleStreamClient(
                venue: stream.venue, url: stream.url, symbol: symbol, timeframe: timeframe, inbox: inbox,
                backoff: stream.backoff, logger: logger)
            task = Task { await client.run() }
        }
        return Iterator(
            feed: self, driver: Driver(inbox: inbox, task: task),
            cursor: startTime ?? PeriodCalendar.periodStart(containing: now(), timeframe: timeframe))
    }

    /// Owns the stream task; cancels it when the iterator goes away.
    final class Driver: Sendable {
        let inbox: CandleInbox
        let task: Task<Void, Never>?

        init(inbox: CandleInbox, task: Task<Void, Never>?) {
            self.inbox = inbox
            self.task = task
        }

        deinit { task?.cancel() }
    }

    public struct Iterator: AsyncIteratorProtocol {
        let feed: LiveCandleFeed
        let driver: Driver
        /// Open time of the next bar to deliver.
        var cursor: Int64
        /// Streamed bars at or after the cursor, by open time.
        var streamed: [Int64: Bar] = [:]
        /// Bars ready to deliver, oldest first, with their source.
        var ready: [(Bar, Source)] = []
        var source: Source?

        init(feed: LiveCandleFeed, driver: Driver, cursor: Int64) {
            self.feed = feed
            self.driver = driver
            self.cursor = cursor
        }

        public mutating func next() async throws -> Bar? {
            while ready.isEmpty {
                try Task.checkCancellation()
                let snapshot = driver.inbox.take()
                for bar in snapshot.bars where bar.openTime >= cursor { streamed[bar.openTime] = bar }
                if let bar = streamed[cursor] {
                    ready = [(bar, .stream)]
                    break
                }
                if let first = streamed.keys.min() {
                    // The stream is ahead: the bars in between were missed while it was down.
                    let filled = try await fetch(from: cursor, to: first)
                    ready = filled.filter { $0.openTime < first }.map { ($0, .polling) }
                    if ready.isEmpty {
                        // REST has nothing in the gap (no trades, or not published): the venue
                        // has no such bars; continue from the streamed one.
                        feed.logger.info("candle gap not on REST", metadata: [
                            "symbol": "\(feed.symbol)", "from": "\(cursor)", "to": "\(first)"])
                        cursor = first
                    }
                    continue
                }
                let close = PeriodCalendar.nextPeriodStart(after: cursor, timeframe: feed.timeframe)
                let grace = feed.stream != nil && snapshot.connected ? feed.streamGrace : .zero
                let deadline = close + milliseconds(feed.settle + grace)
                let wait = deadline - feed.now()
                if wait > 0 {
                    await driver.inbox.wait(after: snapshot.version, timeout: .milliseconds(wait))
                    continue
                }
                let polled = try await fetch(from: cursor, to: Swift.max(feed.now(), close))
                ready = polled.map { ($0, .polling) }
                if ready.isEmpty {
                    let version = driver.inbox.take()
                    streamedAdd(version.bars)
                    await driver.inbox.wait(after: version.version, timeout: feed.retryInterval)
                }
            }
            let (bar, from) = ready.removeFirst()
            cursor = PeriodCalendar.nextPeriodStart(after: bar.openTime, timeframe: feed.timeframe)
            streamed = streamed.filter { $0.key >= cursor }
            if source != from {
                source = from
                feed.onSourceChange(from)
            }
            return bar
        }

        private mutating func streamedAdd(_ bars: [Bar]) {
            for bar in bars where bar.openTime >= cursor { streamed[bar.openTime] = bar }
        }

        /// Closed bars opening in `[from, to)` from REST, oldest first.
        private func fetch(from: Int64, to: Int64) async throws -> [Bar] {
            let bars = try await feed.downloader.download(symbol: feed.symbol, timeframe: feed.timeframe, from: from, to: to)
            return bars.filter { $0.openTime >= from }.sorted { $0.openTime < $1.openTime }
        }

        private func milliseconds(_ duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return seconds * 1000 + attoseconds / 1_000_000_000_000_000
        }
    }
}
