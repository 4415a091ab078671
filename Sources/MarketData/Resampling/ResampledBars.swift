import TradingCore

/// The output of `BarResampler.resample`: complete higher-timeframe bars and the periods that
/// were dropped because some of their source bars were missing.
public struct ResampledBars: Sendable, Hashable {
    public var bars: [Bar]
    public var dropped: [DroppedPeriod]

    public init(bars: [Bar], dropped: [DroppedPeriod]) {
        self.bars = bars
        self.dropped = dropped
    }
}

/// A target period that had some but not all of its source bars, so no bar was produced for it.
/// (Periods with no source bar at all are simply absent and not reported.)
public struct DroppedPeriod: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        /// The data starts inside this period (its first source bars are missing, the rest present).
        case partialStart = "partial_start"
        /// The data ends inside this period (its last source bars are missing, the rest present).
        case partialEnd = "partial_end"
        /// Source bars are missing inside the data (a gap), or at both ends of a short series.
        case missingBars = "missing_bars"
    }

    /// Open time of the target period (ms UTC).
    public let periodStart: Int64
    public let expectedBars: Int
    public let presentBars: Int
    public let reason: Reason

    public init(periodStart: Int64, expectedBars: Int, presentBars: Int, reason: Reason) {
        self.periodStart = periodStart
        self.expectedBars = expectedBars
        self.presentBars = presentBars
        self.reason = reason
    }

    public var description: String {
        "\(ISO8601Text.format(periodStart)): \(presentBars) of \(expectedBars) source bars (\(reason.rawValue))"
    }
}
