/// Where a download stands, reported after every page.
public struct DownloadProgress: Sendable, Hashable {
    /// Closed bars delivered so far.
    public var fetchedBars: Int
    /// Periods in the requested range (an upper bound: venues omit periods without trades).
    public var expectedBars: Int
    /// Start of the requested range (ms, UTC).
    public var fromTime: Int64
    /// Everything before this instant has been fetched (the resume point).
    public var currentTime: Int64
    /// End of the downloadable range (ms, exclusive): the requested end, or the open time of the
    /// first bar that has not closed yet when that is earlier.
    public var toTime: Int64
    /// 0…1, the share of `[fromTime, toTime)` covered.
    public var fraction: Double
    /// Estimated seconds left, from the elapsed time and `fraction`; `nil` before the first page.
    public var etaSeconds: Double?
    /// Requests that returned a page (retries not counted).
    public var pagesFetched: Int

    public init(
        fetchedBars: Int, expectedBars: Int, fromTime: Int64, currentTime: Int64, toTime: Int64,
        fraction: Double, etaSeconds: Double?, pagesFetched: Int = 0
    ) {
        self.fetchedBars = fetchedBars
        self.expectedBars = expectedBars
        self.fromTime = fromTime
        self.currentTime = currentTime
        self.toTime = toTime
        self.fraction = fraction
        self.etaSeconds = etaSeconds
        self.pagesFetched = pagesFetched
    }

    /// True once the whole range is covered.
    public var isComplete: Bool { currentTime >= toTime }
}
