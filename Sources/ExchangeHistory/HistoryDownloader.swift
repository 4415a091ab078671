import AsyncHTTPClient
import MarketData
import NIOCore
import NIOHTTP1
import TradingCore

/// What to do when a venue no longer serves the start of the requested range (Kraken's OHLC
/// endpoint keeps only the 720 most recent candles).
public enum PartialHistoryPolicy: Sendable, Hashable {
    /// Throw `DATA_UNAVAILABLE` naming the oldest candle the venue still serves.
    case fail
    /// Deliver what exists; the page carries a `notice` explaining the gap.
    case allowPartial
}

/// Downloads public OHLCV history from one venue: windowed paging, a polite pace between pages,
/// retries with `Retry-After`/exponential backoff, and filtering to closed bars in `[from, to)`.
///
/// ```swift
/// let downloader = HistoryDownloader(httpClient: .shared, venue: .binance)
/// let bars = try await downloader.download(
///     symbol: try TradingSymbol(parsing: "BTC/USDT"), timeframe: .oneHour,
///     from: 1_704_067_200_000, to: 1_706_745_600_000
/// ) { progress in print("\r" + TerminalProgressBar.render(progress), terminator: "") }
/// ```
public struct HistoryDownloader: Sendable {
    /// Sent on every request (Coinbase rejects requests without a User-Agent).
    public static let userAgent = "cracktrader/1.0 (ExchangeHistory)"
    /// Largest response body accepted.
    public static let maxBodyBytes = 16 << 20

    public let venue: any HistoryVenue
    /// Base URL in use (the override, or the venue's production URL), without trailing slash.
    public let baseURL: String
    public let retryPolicy: RetryPolicy
    /// Pause between two page requests.
    public let pageInterval: Duration
    public let requestTimeout: Duration
    public let partialHistory: PartialHistoryPolicy
    let httpClient: HTTPClient
    let sleep: @Sendable (Duration) async throws -> Void
    let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - venue: a built-in venue.
    ///   - baseURL: overrides the venue's production base URL (proxy, regional endpoint, tests).
    ///   - pageInterval: pause between pages; `nil` = the venue's default (tests pass `.zero`).
    ///   - sleep: how to wait (injected by tests to record delays without waiting).
    ///   - now: current time in Unix ms, to decide which bars have closed.
    public init(
        httpClient: HTTPClient,
        venue: VenueID,
        baseURL: String? = nil,
        retryPolicy: RetryPolicy = .default,
        pageInterval: Duration? = nil,
        requestTimeout: Duration = .seconds(30),
        partialHistory: PartialHistoryPolicy = .fail,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }
    ) {
        self.init(
            httpClient: httpClient, venue: venue.venue, baseURL: baseURL, retryPolicy: retryPolicy,
            pageInterval: pageInterval, requestTimeout: requestTimeout, partialHistory: partialHistory,
            sleep: sleep, now: now)
    }

    /// Same, with any `HistoryVenue` implementation.
    public init(
        httpClient: HTTPClient,
        venue: any HistoryVenue,
        baseURL: String? = nil,
        retryPolicy: RetryPolicy = .default,
        pageInterval: Duration? = nil,
        requestTimeout: Duration = .seconds(30),
        partialHistory: PartialHistoryPolicy = .fail,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }
    ) {
        self.httpClient = httpClient
        self.venue = venue
        self.baseURL = URLText.trimmedBase(baseURL ?? venue.defaultBaseURL)
        self.retryPolicy = retryPolicy
        self.pageInterval = pageInterval ?? venue.defaultPageInterval
        self.requestTimeout = requestTimeout
        self.partialHistory = partialHistory
        self.sleep = sleep
        self.now = now
    }

    // MARK: - Public API

    /// All closed bars opening in `[from, to)`, ascending and without duplicates.
    public func download(
        symbol: TradingSymbol,
        timeframe: Timeframe,
        from: Int64,
        to: Int64,
        progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
    ) async throws -> [Bar] {
        var bars: [Bar] = []
        for try await page in try downloadPages(symbol: symbol, timeframe: timeframe, from: from, to: to, progress: progress) {
            bars.append(contentsOf: page.bars)
        }
        return bars
    }

    /// The same download one page (one request window) at a time, so the caller can store each
    /// page in its own transaction. Requests are made lazily as the sequence is iterated; a caller
    /// that restarts with `from = lastStoredPage.resumeFrom` continues exactly where it stopped.
    ///
    /// Throws `.invalidTimeframe` (venue's accepted list in details) or `.invalidDateRange` at once.
    public func downloadPages(
        symbol: TradingSymbol,
        timeframe: Timeframe,
        from: Int64,
        to: Int64,
        progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
    ) throws(TradingError) -> HistoryPages {
        _ = try venue.requireInterval(for: timeframe)
        guard to > from else {
            throw TradingError(
                code: .invalidDateRange,
                message: "the download range is empty: 'to' (\(ISO8601Text.format(to))) must be after 'from' (\(ISO8601Text.format(from)))",
                details: ["from": .text(ISO8601Text.format(from)), "to": .text(ISO8601Text.format(to))])
        }
        let end = max(from, min(to, Self.firstUnclosedOpenTime(now: now(), timeframe: timeframe)))
        return HistoryPages(downloader: self, symbol: symbol, timeframe: timeframe, from: from, end: end, progress: progress)
    }

    /// One request for candles opening in `window`, with retries; the venue's raw answer, unfiltered.
    public func fetchWindow(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) async throws -> VenueCandles {
        _ = try venue.requireInterval(for: timeframe)
        let request = venue.makeRequest(symbol: symbol, timeframe: timeframe, window: window)
        return try await execute(request, symbol: symbol, timeframe: timeframe, window: window)
    }

    /// The full URL of a venue request against this downloader's base URL.
    public func url(for request: VenueRequest) -> String { baseURL + request.pathAndQuery }

    // MARK: - Time arithmetic

    /// Bars opening at or after this instant have not closed at `now`: for fixed timeframes
    /// `now − length + 1`, for `1M` the start of the current month.
    public static func firstUnclosedOpenTime(now: Int64, timeframe: Timeframe) -> Int64 {
        if timeframe == .oneMonth { return PeriodCalendar.periodStart(containing: now, timeframe: .oneMonth) }
        return now - timeframe.milliseconds + 1
    }

    /// The instant `periods` periods after `time` (calendar months for `1M`): a window starting at
    /// `time` and ending there holds at most `periods` bar openings.
    static func advance(_ time: Int64, periods: Int, timeframe: Timeframe) -> Int64 {
        guard timeframe == .oneMonth else {
            let (product, overflow) = timeframe.milliseconds.multipliedReportingOverflow(by: Int64(periods))
            let (sum, overflow2) = time.addingReportingOverflow(product)
            return overflow || overflow2 ? Int64.max : sum
        }
        var t = PeriodCalendar.periodStart(containing: time, timeframe: .oneMonth)
        for _ in 0..<periods { t = PeriodCalendar.nextPeriodStart(after: t, timeframe: .oneMonth) }
        return t
    }

    // MARK: - HTTP with retries

    private enum Attempt {
        case success(VenueCandles)
        case retry(reason: String, retryAfter: Duration?)
    }

    private func execute(
        _ venueRequest: VenueRequest, symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow
    ) async throws -> VenueCandles {
        let url = url(for: venueRequest)
        var failures = 0
        while true {
            try Task.checkCancellation()
            let attempt = try await attemptOnce(url: url, symbol: symbol, timeframe: timeframe, window: window)
            switch attempt {
            case .success(let candles):
                return candles
            case .retry(let reason, let retryAfter):
                failures += 1
                if failures >= retryPolicy.maxAttempts {
                    throw TradingError(
                        code: .dataUnavailable,
                        message: "\(venue.displayName): giving up after \(failures) attempts for \(symbol) \(timeframe): \(reason)",
                        details: ["exchange": .text(venue.id), "attempts": .number(Double(failures)), "reason": .text(reason), "url": .text(url)])
                }
                let delay: Duration
                if let retryAfter {
                    guard retryAfter <= retryPolicy.maxRetryAfter else {
                        throw TradingError(
                            code: .dataUnavailable,
                            message: "\(venue.displayName) asks to wait \(Int(retryAfter.seconds.rounded(.up))) s before retrying (\(reason)); that is longer than the \(Int(retryPolicy.maxRetryAfter.seconds)) s allowed, try again later",
                            details: ["exchange": .text(venue.id), "retryAfterSeconds": .number(retryAfter.seconds), "reason": .text(reason), "url": .text(url)])
                    }
                    delay = retryAfter
                } else {
                    delay = retryPolicy.backoff(afterFailures: failures)
                }
                try await sleep(delay)
            }
        }
    }

    private func attemptOnce(url: String, symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) async throws -> Attempt {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Accept", value: "application/json")

        let status: Int
        let retryAfterHeader: String?
        let body: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(requestTimeout.seconds * 1e9)))
            status = Int(response.status.code)
            retryAfterHeader = response.headers.first(name: "Retry-After")
            let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch let error as CancellationError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return .retry(reason: "transport error: \(error)", retryAfter: nil)
        }

        let retryAfter = retryAfterHeader.flatMap { RetryPolicy.parseRetryAfter($0, now: now()) }
        switch status {
        case 429, 418:
            let detail = venue.failure(status: status, body: body)?.description ?? Payload.snippet(body)
            let label = status == 418 ? "HTTP 418 (IP banned for ignoring rate limits)" : "HTTP 429 (rate limited)"
            return .retry(reason: detail.isEmpty ? label : "\(label): \(detail)", retryAfter: retryAfter)
        case 500...599:
            return .retry(reason: "HTTP \(status): \(Payload.snippet(body))", retryAfter: retryAfter)
        case 200...299:
            do {
                return .success(try venue.parseCandles(body, timeframe: timeframe, window: window))
            } catch let failure as VenueFailure {
                switch failure.kind {
                case .rateLimited, .temporary:
                    return .retry(reason: failure.description, retryAfter: retryAfter)
                case .rejected, .unknownSymbol, .malformed:
                    throw rejection(failure, status: status, url: url, symbol: symbol, timeframe: timeframe)
                }
            }
        default:
            let failure = venue.failure(status: status, body: body)
                ?? VenueFailure(.rejected, "\(venue.displayName): \(Payload.snippet(body))")
            throw rejection(failure, status: status, url: url, symbol: symbol, timeframe: timeframe)
        }
    }

    private func rejection(_ failure: VenueFailure, status: Int, url: String, symbol: TradingSymbol, timeframe: Timeframe) -> TradingError {
        var details: [String: TradingError.Detail] = [
            "exchange": .text(venue.id), "status": .number(Double(status)), "url": .text(url),
            "symbol": .text(symbol.description), "market": .text(venue.marketSymbol(for: symbol)),
        ]
        if let code = failure.venueCode { details["venueCode"] = .text(code) }
        let code: TradingError.Code = failure.kind == .unknownSymbol ? .invalidSymbol : .dataUnavailable
        return TradingError(
            code: code,
            message: "\(failure.description) [HTTP \(status), \(venue.marketSymbol(for: symbol)) \(timeframe)]",
            details: details)
    }
}

/// One page of a download: the bars of one request window.
public struct HistoryPage: Sendable, Hashable {
    /// New closed bars, ascending, all opening in `window`.
    public var bars: [Bar]
    /// The window requested.
    public var window: HistoryWindow
    /// Pass as `from` to continue after this page (everything before it has been delivered).
    public var resumeFrom: Int64
    public var progress: DownloadProgress
    /// Set when the venue could not serve the whole window (partial history).
    public var notice: String?
}

/// The lazily fetched pages of one download; see `HistoryDownloader.downloadPages`.
public struct HistoryPages: AsyncSequence, Sendable {
    public typealias Element = HistoryPage

    let downloader: HistoryDownloader
    let symbol: TradingSymbol
    let timeframe: Timeframe
    /// Requested start.
    public let from: Int64
    /// Effective end: the requested end or the first unclosed bar, whichever is earlier.
    public let end: Int64
    let progress: @Sendable (DownloadProgress) -> Void

    public func makeAsyncIterator() -> Iterator {
        Iterator(pages: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let pages: HistoryPages
        var cursor: Int64
        var lastOpenTime: Int64?
        var fetchedBars = 0
        var pagesFetched = 0
        var finished = false
        var started: ContinuousClock.Instant?

        init(pages: HistoryPages) {
            self.pages = pages
            self.cursor = pages.from
        }

        public mutating func next() async throws -> HistoryPage? {
            guard !finished, cursor < pages.end else {
                finished = true
                return nil
            }
            let downloader = pages.downloader
            let venue = downloader.venue
            let timeframe = pages.timeframe
            if started == nil { started = .now }
            if pagesFetched > 0, downloader.pageInterval > .zero { try await downloader.sleep(downloader.pageInterval) }

            let windowEnd = Swift.min(pages.end, HistoryDownloader.advance(cursor, periods: venue.maxBarsPerRequest, timeframe: timeframe))
            let window = HistoryWindow(start: cursor, end: windowEnd)
            let answer: VenueCandles
            do {
                answer = try await downloader.fetchWindow(symbol: pages.symbol, timeframe: timeframe, window: window)
            } catch {
                finished = true
                throw error
            }

            var notice: String?
            if let oldest = answer.oldestAvailable, oldest > window.start {
                let message = "\(venue.displayName) only serves its \(venue.maxBarsPerRequest) most recent \(timeframe) candles; the oldest available opens at \(ISO8601Text.format(oldest)), so history from \(ISO8601Text.format(window.start)) is missing"
                if downloader.partialHistory == .fail {
                    finished = true
                    throw TradingError(
                        code: .dataUnavailable,
                        message: message + " (use a later start, a longer timeframe or another exchange)",
                        details: [
                            "exchange": .text(venue.id), "oldestAvailable": .text(ISO8601Text.format(oldest)),
                            "requestedFrom": .text(ISO8601Text.format(window.start)),
                        ])
                }
                notice = message
            }

            let sorted = answer.candles.filter { window.contains($0.bar.openTime) }.sorted { $0.bar.openTime < $1.bar.openTime }
            var bars: [Bar] = []
            bars.reserveCapacity(sorted.count)
            var stopAt: Int64?
            for candle in sorted {
                if let last = lastOpenTime, candle.bar.openTime <= last { continue }
                if candle.isClosed == false {
                    // The venue says this bar is still forming: stop here so a resume fetches it again.
                    stopAt = candle.bar.openTime
                    break
                }
                bars.append(candle.bar)
                lastOpenTime = candle.bar.openTime
            }
            cursor = stopAt ?? window.end
            if stopAt != nil || cursor >= pages.end { finished = true }
            fetchedBars += bars.count
            pagesFetched += 1

            let span = Double(pages.end - pages.from)
            let fraction = finished && stopAt == nil ? 1 : Swift.min(1, Swift.max(0, Double(cursor - pages.from) / span))
            var eta: Double?
            if let started, fraction > 0 {
                let elapsed = (ContinuousClock.now - started).seconds
                eta = fraction >= 1 ? 0 : elapsed * (1 - fraction) / fraction
            }
            let progress = DownloadProgress(
                fetchedBars: fetchedBars,
                expectedBars: Int(PeriodCalendar.periodCount(from: pages.from, to: pages.end, timeframe: timeframe)),
                fromTime: pages.from, currentTime: cursor, toTime: pages.end,
                fraction: fraction, etaSeconds: eta, pagesFetched: pagesFetched)
            pages.progress(progress)
            return HistoryPage(bars: bars, window: window, resumeFrom: cursor, progress: progress, notice: notice)
        }
    }
}
