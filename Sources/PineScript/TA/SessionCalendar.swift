import TradingCore

/// Time zones with their daylight-saving rule, enough for `timeframe.change`, `session.isfirstbar`
/// and the anchors of `ta.vwap` / `ta.pivot_point_levels` without a tz database.
enum TATimeZone: Equatable, Sendable {
    /// A fixed offset from UTC, in seconds (UTC is `.fixed(0)`).
    case fixed(Int)
    /// US rule: standard offset (seconds), +1 h from the second Sunday of March 02:00 local to the
    /// first Sunday of November 02:00 local.
    case unitedStates(standardOffset: Int)
    /// EU rule: standard offset (seconds), +1 h from the last Sunday of March 01:00 UTC to the last
    /// Sunday of October 01:00 UTC.
    case europe(standardOffset: Int)

    static let utc = TATimeZone.fixed(0)

    /// The zone for an IANA name TradingView uses (`syminfo.timezone`), or nil when unknown.
    init?(ianaName: String) {
        let h = 3600
        switch ianaName {
        case "UTC", "Etc/UTC", "GMT", "Etc/GMT": self = .fixed(0)
        case "America/New_York", "US/Eastern", "America/Toronto": self = .unitedStates(standardOffset: -5 * h)
        case "America/Chicago", "US/Central": self = .unitedStates(standardOffset: -6 * h)
        case "America/Denver", "US/Mountain": self = .unitedStates(standardOffset: -7 * h)
        case "America/Los_Angeles", "US/Pacific", "America/Vancouver": self = .unitedStates(standardOffset: -8 * h)
        case "Europe/London", "Europe/Dublin", "Europe/Lisbon": self = .europe(standardOffset: 0)
        case "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Zurich",
             "Europe/Stockholm", "Europe/Oslo", "Europe/Warsaw", "Europe/Vienna", "Europe/Brussels", "Europe/Prague":
            self = .europe(standardOffset: h)
        case "Europe/Athens", "Europe/Helsinki", "Europe/Kiev", "Europe/Kyiv": self = .europe(standardOffset: 2 * h)
        case "Europe/Moscow", "Europe/Istanbul": self = .fixed(3 * h)
        case "Asia/Dubai": self = .fixed(4 * h)
        case "Asia/Kolkata": self = .fixed(5 * h + 1800)
        case "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Taipei": self = .fixed(8 * h)
        case "Asia/Tokyo", "Asia/Seoul": self = .fixed(9 * h)
        default: return nil
        }
    }

    /// Offset from UTC at unix time `t` (seconds).
    func offset(at t: Int) -> Int {
        switch self {
        case .fixed(let o):
            return o
        case .unitedStates(let std):
            let y = TACivil.year(ofDay: TACivil.floorDiv(t + std, 86400))
            let start = TACivil.nthSunday(2, year: y, month: 3) * 86400 + 2 * 3600 - std          // 02:00 standard
            let end = TACivil.nthSunday(1, year: y, month: 11) * 86400 + 2 * 3600 - (std + 3600) // 02:00 daylight
            return t >= start && t < end ? std + 3600 : std
        case .europe(let std):
            let y = TACivil.year(ofDay: TACivil.floorDiv(t, 86400))
            let start = TACivil.lastSunday(year: y, month: 3) * 86400 + 3600
            let end = TACivil.lastSunday(year: y, month: 10) * 86400 + 3600
            return t >= start && t < end ? std + 3600 : std
        }
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01.
enum TACivil {
    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        Int(ISO8601Timestamp.days(fromCivil: Int64(year), Int64(month), Int64(day)))
    }

    static func civil(fromDay z: Int) -> (year: Int, month: Int, day: Int) {
        let (year, month, day) = ISO8601Timestamp.civil(fromDays: Int64(z))
        return (Int(year), Int(month), Int(day))
    }

    static func year(ofDay z: Int) -> Int { civil(fromDay: z).year }

    /// 0 = Sunday … 6 = Saturday.
    static func weekday(ofDay z: Int) -> Int { ((z % 7) + 7 + 4) % 7 }

    /// The `n`-th Sunday (1-based) of a month, as a day number.
    static func nthSunday(_ n: Int, year: Int, month: Int) -> Int {
        let first = daysFromCivil(year, month, 1)
        return first + (7 - weekday(ofDay: first)) % 7 + (n - 1) * 7
    }

    static func lastSunday(year: Int, month: Int) -> Int {
        let next = month == 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1)
        let last = next - 1
        return last - weekday(ofDay: last)
    }
}

/// A symbol's trading-day calendar: the trading day starts at `sessionStart` seconds after local
/// midnight in `timeZone` (FX and TradingView's CFDs: 17:00 America/New_York, which belongs to the
/// *next* day; crypto: 00:00 UTC). TradingView's intraday higher timeframes ("240", "360", …) are
/// counted from that session start, days/weeks/months from the trading day.
struct TASessionCalendar: Equatable, Sendable {
    let timeZone: TATimeZone
    /// Seconds after local midnight where the trading day starts; a start after noon opens the
    /// following calendar day (17:00 New York on Sunday is Monday's session).
    let sessionStart: Int

    init(timeZone: TATimeZone, sessionStart: Int = 0) {
        self.timeZone = timeZone
        self.sessionStart = sessionStart
    }

    /// FX (and most TradingView CFD) sessions: the day starts 17:00 America/New_York.
    static let forex = TASessionCalendar(timeZone: .unitedStates(standardOffset: -5 * 3600), sessionStart: 17 * 3600)
    /// 24×7 markets: the day starts 00:00 UTC.
    static let utc = TASessionCalendar(timeZone: .utc, sessionStart: 0)

    /// Seconds since the epoch shifted so that every trading day starts at a multiple of 86,400.
    func shifted(_ t: Int) -> Int {
        let local = t + timeZone.offset(at: t)
        let shift = sessionStart >= 12 * 3600 ? 86400 - sessionStart : -sessionStart
        return local + shift
    }

    /// The trading day of unix time `t` (seconds), as a day number.
    func tradingDay(_ t: Int) -> Int { TACivil.floorDiv(shifted(t), 86400) }

    /// Index of the period holding `t` for a timeframe of `minutes` (intraday, counted from the
    /// session start; 1440 = the trading day).
    func period(_ t: Int, minutes: Int) -> Int { TACivil.floorDiv(shifted(t), Swift.max(1, minutes) * 60) }

    /// Index of the Monday-based week holding the trading day of `t`.
    func week(_ t: Int) -> Int { TACivil.floorDiv(tradingDay(t) + 3, 7) }

    /// `year * 12 + month - 1` of the trading day of `t`.
    func month(_ t: Int) -> Int {
        let c = TACivil.civil(fromDay: tradingDay(t))
        return c.year * 12 + c.month - 1
    }
}

/// `timeframe.change(tf)` for one call site: true on the first bar of a new period (false on the
/// first bar of the data). `minutes` is the timeframe in minutes (1440 = "D"); weeks and months use
/// `.week` / `.month`.
struct TATimeframeChange {
    enum Unit: Equatable, Sendable { case minutes(Int), week, month }
    let calendar: TASessionCalendar
    let unit: Unit
    private var previous: Int?
    init(calendar: TASessionCalendar, unit: Unit) {
        self.calendar = calendar
        self.unit = unit
    }
    /// `time` in unix seconds.
    mutating func update(time: Int) -> Bool {
        let p: Int
        switch unit {
        case .minutes(let m): p = calendar.period(time, minutes: m)
        case .week: p = calendar.week(time)
        case .month: p = calendar.month(time)
        }
        defer { previous = p }
        guard let previous else { return false }
        return p != previous
    }
}
