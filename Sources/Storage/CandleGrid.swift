import TradingCore

/// Where bars of a timeframe open, in UTC milliseconds. The same rules as MarketData's
/// `PeriodCalendar` (Storage does not depend on MarketData, so the few lines live here too):
/// - `1s` … `3d`: multiples of the timeframe's length since the Unix epoch;
/// - `1w`: Mondays 00:00 UTC (the epoch was a Thursday, so weeks are offset by 4 days);
/// - `1M`: 00:00 UTC on the first day of each calendar month.
struct CandleGrid: Sendable {
    let timeframe: Timeframe

    static let millisecondsPerDay: Int64 = 86_400_000
    private static let firstMondayOffset: Int64 = 4 * millisecondsPerDay

    /// Start of the period containing `time`.
    func periodStart(containing time: Int64) -> Int64 {
        switch timeframe {
        case .oneMonth:
            let civil = Self.civil(fromDays: Self.floorDivide(time, Self.millisecondsPerDay))
            return Self.days(year: civil.year, month: civil.month, day: 1) * Self.millisecondsPerDay
        case .oneWeek:
            return time - Self.floorModulo(time - Self.firstMondayOffset, timeframe.milliseconds)
        default:
            return time - Self.floorModulo(time, timeframe.milliseconds)
        }
    }

    func isAligned(_ time: Int64) -> Bool { periodStart(containing: time) == time }

    /// The period start after `start` (which must be aligned).
    func next(after start: Int64) -> Int64 {
        guard timeframe == .oneMonth else { return start + timeframe.milliseconds }
        let civil = Self.civil(fromDays: Self.floorDivide(start, Self.millisecondsPerDay))
        let year = civil.month == 12 ? civil.year + 1 : civil.year
        let month = civil.month == 12 ? 1 : civil.month + 1
        return Self.days(year: year, month: month, day: 1) * Self.millisecondsPerDay
    }

    /// `count` periods after the aligned `start`.
    func advance(_ start: Int64, by count: Int64) -> Int64 {
        guard timeframe == .oneMonth else { return start + count * timeframe.milliseconds }
        let civil = Self.civil(fromDays: Self.floorDivide(start, Self.millisecondsPerDay))
        let monthIndex = civil.year * 12 + (civil.month - 1) + count
        return Self.days(year: Self.floorDivide(monthIndex, 12), month: Self.floorModulo(monthIndex, 12) + 1, day: 1)
            * Self.millisecondsPerDay
    }

    /// The first period start at or after `time`.
    func ceiling(_ time: Int64) -> Int64 {
        let start = periodStart(containing: time)
        return start == time ? start : next(after: start)
    }

    /// Number of period starts in `[start, end)`; `start` must be aligned.
    func count(from start: Int64, to end: Int64) -> Int64 {
        guard end > start else { return 0 }
        if timeframe == .oneMonth {
            var count: Int64 = 0
            var cursor = start
            while cursor < end { count += 1; cursor = next(after: cursor) }
            return count
        }
        return (end - 1 - start) / timeframe.milliseconds + 1
    }

    // MARK: Limits

    /// Open times the cache accepts: years 0001 to 9999 UTC. Query bounds are clamped to this
    /// range, which keeps all period and chunk arithmetic far from `Int64` overflow.
    static let earliest: Int64 = -62_135_596_800_000
    static let latest: Int64 = 253_402_300_799_999

    static func clamp(_ time: Int64) -> Int64 { min(max(time, earliest), latest) }

    // MARK: Chunks

    /// Bars per chunk span: a chunk row holds at most this many candles (98 KB).
    static let barsPerChunk: Int64 = 2_048

    /// Width of one chunk bucket in ms. Buckets are a storage detail, not bar boundaries.
    var chunkSpan: Int64 { timeframe.milliseconds * Self.barsPerChunk }

    func chunkStart(of time: Int64) -> Int64 {
        time - Self.floorModulo(time, chunkSpan)
    }

    // MARK: Arithmetic

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}
