/// A small, strict, locale-free ISO 8601 timestamp parser and formatter (UTC milliseconds).
///
/// Accepted: `YYYY-MM-DD`, optionally followed by `T`, `t` or one space and `HH:MM`, `HH:MM:SS`
/// or `HH:MM:SS.f…` (any number of fraction digits; digits past milliseconds are truncated),
/// optionally followed by `Z`/`z`, `±HH:MM`, `±HHMM` or `±HH`. No zone means UTC.
/// Every field is range-checked (month 1–12, day within the month, hour 0–23, minute and second
/// 0–59, zone offset up to ±23:59). Anything else is rejected.
public enum ISO8601Text {
    /// Parses `text`; `nil` when it is not a timestamp of the accepted shape.
    public static func parse(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { buffer in parse(buffer, from: 0, to: buffer.count) }
    }

    /// Parses the bytes `buffer[from..<to]`.
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int64? {
        var i = start
        @inline(__always) func digits(_ count: Int) -> Int64? {
            guard end - i >= count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let d = buffer[i] &- 48
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
                i += 1
            }
            return value
        }
        @inline(__always) func expect(_ byte: UInt8) -> Bool {
            guard i < end, buffer[i] == byte else { return false }
            i += 1
            return true
        }

        guard let year = digits(4), expect(UInt8(ascii: "-")),
              let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1,
              day <= PeriodCalendar.daysInMonth(year: year, month: month)
        else { return nil }
        var millis = PeriodCalendar.daysFromCivil(year: year, month: month, day: day) * PeriodCalendar.millisecondsPerDay
        guard i < end else { return millis }

        let separator = buffer[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
            return nil
        }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2),
              hour < 24, minute < 60
        else { return nil }
        millis += hour * 3_600_000 + minute * 60_000
        if i < end, buffer[i] == UInt8(ascii: ":") {
            i += 1
            guard let second = digits(2), second < 60 else { return nil }
            millis += second * 1000
            if i < end, buffer[i] == UInt8(ascii: ".") || buffer[i] == UInt8(ascii: ",") {
                i += 1
                var fraction: Int64 = 0
                var count = 0
                while i < end, buffer[i] &- 48 < 10 {
                    if count < 3 { fraction = fraction * 10 + Int64(buffer[i] &- 48) }
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<max(count, 3) { fraction *= 10 }
                millis += fraction
            }
        }
        guard i < end else { return millis }

        switch buffer[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = buffer[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let offsetHours = digits(2), offsetHours < 24 else { return nil }
            var offsetMinutes: Int64 = 0
            if i < end {
                _ = expect(UInt8(ascii: ":"))
                guard let m = digits(2), m < 60 else { return nil }
                offsetMinutes = m
            }
            millis -= sign * (offsetHours * 3_600_000 + offsetMinutes * 60_000)
        default:
            return nil
        }
        return i == end ? millis : nil
    }

    /// Formats UTC milliseconds as `YYYY-MM-DDTHH:MM:SSZ`, with `.fff` when the milliseconds are
    /// not zero. Years outside 0000–9999 are printed with as many digits as needed.
    public static func format(_ millis: Int64) -> String {
        let days = PeriodCalendar.floorDivide(millis, PeriodCalendar.millisecondsPerDay)
        let inDay = millis - days * PeriodCalendar.millisecondsPerDay
        let civil = PeriodCalendar.civilFromDays(days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        var result = "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T"
        result += "\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60_000 % 60, 2)):\(pad(inDay / 1000 % 60, 2))"
        if inDay % 1000 != 0 { result += ".\(pad(inDay % 1000, 3))" }
        return result + "Z"
    }
}
