import TradingCore

/// UTC period arithmetic for bar boundaries, shared by the CSV alignment check, the `sim`
/// generator and the resampler so that all three agree on where a period starts.
///
/// Rules (documented in `docs/market-data.md`):
/// - Fixed timeframes from `1s` to `3d` start at multiples of their length since the Unix epoch
///   (`openTime % milliseconds == 0`), so `1d` bars open at 00:00 UTC.
/// - `1w` bars open on Monday 00:00 UTC (the epoch was a Thursday, so weeks are offset by 4 days).
/// - `1M` bars open at 00:00 UTC on the first day of each calendar month.
public enum PeriodCalendar {
    public static let millisecondsPerDay: Int64 = 86_400_000
    /// 1970-01-05, the first Monday after the epoch.
    @usableFromInline static let firstMondayOffset: Int64 = 4 * millisecondsPerDay

    /// Start of the period of `timeframe` that contains `time` (ms since the epoch, UTC).
    @inlinable
    public static func periodStart(containing time: Int64, timeframe: Timeframe) -> Int64 {
        switch timeframe {
        case .oneMonth:
            let days = floorDivide(time, millisecondsPerDay)
            let civil = civilFromDays(days)
            return daysFromCivil(year: civil.year, month: civil.month, day: 1) * millisecondsPerDay
        case .oneWeek:
            let length = timeframe.milliseconds
            return time - floorModulo(time - firstMondayOffset, length)
        default:
            let length = timeframe.milliseconds
            return time - floorModulo(time, length)
        }
    }

    /// True when `time` is exactly a period boundary of `timeframe`.
    @inlinable
    public static func isAligned(_ time: Int64, to timeframe: Timeframe) -> Bool {
        periodStart(containing: time, timeframe: timeframe) == time
    }

    /// The start of the period following the one that contains `time`.
    @inlinable
    public static func nextPeriodStart(after time: Int64, timeframe: Timeframe) -> Int64 {
        let start = periodStart(containing: time, timeframe: timeframe)
        if timeframe == .oneMonth {
            let civil = civilFromDays(floorDivide(start, millisecondsPerDay))
            let year = civil.month == 12 ? civil.year + 1 : civil.year
            let month = civil.month == 12 ? 1 : civil.month + 1
            return daysFromCivil(year: year, month: month, day: 1) * millisecondsPerDay
        }
        return start + timeframe.milliseconds
    }

    /// The first period start at or after `time`.
    @inlinable
    public static func firstPeriodStart(atOrAfter time: Int64, timeframe: Timeframe) -> Int64 {
        let start = periodStart(containing: time, timeframe: timeframe)
        return start == time ? start : nextPeriodStart(after: time, timeframe: timeframe)
    }

    /// Number of period starts in the half-open interval `[start, end)`.
    public static func periodCount(from start: Int64, to end: Int64, timeframe: Timeframe) -> Int64 {
        guard end > start else { return 0 }
        let first = firstPeriodStart(atOrAfter: start, timeframe: timeframe)
        guard first < end else { return 0 }
        if timeframe == .oneMonth {
            let a = civilFromDays(floorDivide(first, millisecondsPerDay))
            let b = civilFromDays(floorDivide(end - 1, millisecondsPerDay))
            return (b.year - a.year) * 12 + (b.month - a.month) + 1
        }
        return (end - 1 - first) / timeframe.milliseconds + 1
    }

    // MARK: Civil calendar (proleptic Gregorian, H. Hinnant's algorithms)

    /// Days since 1970-01-01 of the given civil date. `month` 1–12, `day` 1–31 (not validated).
    @inlinable
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Civil date of a day count since 1970-01-01.
    @inlinable
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

    @inlinable
    public static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    @inlinable
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    @inlinable
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    @inlinable
    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }
}
