/// Anchors for the exports that need the FX session calendar: the FX trading day starts at 17:00
/// America/New_York (US daylight saving: second Sunday of March 02:00 local to first Sunday of
/// November 02:00 local), and TradingView's intraday higher timeframes (240, 360) start on that
/// session boundary.
enum TASessionAnchors {
    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func year(ofDay z: Int) -> Int {
        let z = z + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        return yoe + era * 400 + (m <= 2 ? 1 : 0)
    }

    /// n-th Sunday (1-based) of a month, as days since the epoch (1970-01-01 was a Thursday).
    static func nthSunday(_ n: Int, year: Int, month: Int) -> Int {
        let first = daysFromCivil(year, month, 1)
        let weekday = ((first % 7) + 7 + 4) % 7  // 0 = Sunday
        return first + (7 - weekday) % 7 + (n - 1) * 7
    }

    /// UTC offset of New York at unix time `t` (seconds): -4 h in daylight saving time, else -5 h.
    static func newYorkOffset(_ t: Int) -> Int {
        let day = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let y = year(ofDay: day)
        let start = nthSunday(2, year: y, month: 3) * 86400 + 7 * 3600  // 02:00 EST
        let end = nthSunday(1, year: y, month: 11) * 86400 + 6 * 3600   // 02:00 EDT
        return t >= start && t < end ? -4 * 3600 : -5 * 3600
    }

    /// Index of the FX-session-aligned period of `minutes` minutes (1440 = the trading day) holding `t`.
    static func period(_ t: Double, minutes: Int) -> Int {
        let t = Int(t)
        let shifted = t + newYorkOffset(t) + 7 * 3600  // 17:00 New York -> 00:00
        let len = minutes * 60
        return shifted >= 0 ? shifted / len : (shifted - len + 1) / len
    }

    /// `timeframe.change(tf)` per bar: the period differs from the previous bar's (false on bar 0).
    static func change(_ times: [Double], minutes: Int) -> [Bool] {
        var out = [Bool]()
        var prev: Int?
        for t in times {
            let p = period(t, minutes: minutes)
            out.append(prev.map { $0 != p } ?? false)
            prev = p
        }
        return out
    }

    /// `session.isfirstbar` per bar: first bar of the data or of a new trading day.
    static func sessionFirstBar(_ times: [Double]) -> [Bool] {
        var out = change(times, minutes: 1440)
        if !out.isEmpty { out[0] = true }
        return out
    }
}
