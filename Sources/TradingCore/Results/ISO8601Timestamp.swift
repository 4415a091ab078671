/// Formats and parses the one timestamp shape of the result document:
/// `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, milliseconds). Pure integer arithmetic, no Foundation,
/// proleptic Gregorian calendar.
public enum ISO8601Timestamp {
    /// `1_700_000_000_000` → `2023-11-14T22:13:20.000Z`.
    public static func string(fromMilliseconds milliseconds: Int64) -> String {
        guard hasFixedWidth(milliseconds) else { return slowString(fromMilliseconds: milliseconds) }
        // One allocation: the 24 bytes are formatted in place.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            write(milliseconds: milliseconds, to: buffer.baseAddress!)
            return 24
        }
    }

    /// True when `write(milliseconds:to:)` applies: the year is in 0–9999 (24 bytes).
    @inline(__always)
    static func hasFixedWidth(_ milliseconds: Int64) -> Bool {
        // 0000-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z
        milliseconds >= -62_167_219_200_000 && milliseconds < 253_402_300_800_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ` into 24 bytes; the year must be in 0–9999.
    static func write(milliseconds: Int64, to out: UnsafeMutablePointer<UInt8>) {
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        writeDate(day: days, to: out)
        writeTime(millisecondOfDay: msOfDay, to: out + 10)
    }

    @inline(__always)
    private static func digits(_ value: Int64, _ width: Int, at offset: Int, _ out: UnsafeMutablePointer<UInt8>) {
        var v = value
        var i = offset + width - 1
        while i >= offset {
            out[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            i -= 1
        }
    }

    /// `YYYY-MM-DD` (10 bytes) of a day number since 1970-01-01; the year must be in 0–9999.
    static func writeDate(day: Int64, to out: UnsafeMutablePointer<UInt8>) {
        let (year, month, dayOfMonth) = civil(fromDays: day)
        digits(year, 4, at: 0, out)
        out[4] = 45
        digits(month, 2, at: 5, out)
        out[7] = 45
        digits(dayOfMonth, 2, at: 8, out)
    }

    /// `THH:MM:SS.sssZ` (14 bytes) of a millisecond of the day.
    static func writeTime(millisecondOfDay msOfDay: Int64, to out: UnsafeMutablePointer<UInt8>) {
        out[0] = 84
        digits(msOfDay / 3_600_000, 2, at: 1, out)
        out[3] = 58
        digits(msOfDay / 60_000 % 60, 2, at: 4, out)
        out[6] = 58
        digits(msOfDay / 1_000 % 60, 2, at: 7, out)
        out[9] = 46
        digits(msOfDay % 1_000, 3, at: 10, out)
        out[13] = 90
    }

    /// The general form (years outside 0–9999 print as many digits as they have).
    static func slowString(fromMilliseconds milliseconds: Int64) -> String {
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1_000 % 60
        let millisecond = msOfDay % 1_000
        var text = year >= 0 && year <= 9999 ? pad(year, 4) : String(year)
        text += "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) + "." + pad(millisecond, 3) + "Z"
        return text
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (1–9 fraction digits; extra digits beyond ms truncated),
    /// also accepting a `+00:00` suffix. Returns `nil` for anything else.
    public static func milliseconds(from text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32,
              bytes[13] == 58, bytes[16] == 58,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits >= 1 else { return nil }
            while digits < 3 { millis *= 10; digits += 1 }
        }
        let rest = String(decoding: bytes[index...], as: UTF8.self)
        guard rest == "Z" || rest == "+00:00" else { return nil }
        let days = days(fromCivil: year, month, day)
        return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1_000 + millis
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    /// Howard Hinnant's `civil_from_days`: (year, month 1–12, day 1–31) of a day number since
    /// 1970-01-01, proleptic Gregorian.
    public static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Howard Hinnant's `days_from_civil`: the day number since 1970-01-01 of a civil date.
    public static func days(fromCivil y0: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
