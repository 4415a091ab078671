/// HTTP dates (RFC 9110) without Foundation's formatters (and ICU). ISO 8601 text comes from
/// TradingCore's `ISO8601Timestamp`.
enum HTTPDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
    static func imfFixdate(epochSeconds: Int64) -> String {
        let parts = CivilTime(epochMilliseconds: epochSeconds * 1000)
        let days = floorDivide(epochSeconds, 86_400)
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        return "\(weekday), \(pad(parts.day)) \(months[parts.month - 1]) \(parts.year) \(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second)) GMT"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor < 0) ? quotient - 1 : quotient
    }
}

/// A UTC instant broken into calendar fields (proleptic Gregorian, Howard Hinnant's civil-from-days).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int

    init(epochMilliseconds: Int64) {
        let days = HTTPDate.floorDivide(epochMilliseconds, 86_400_000)
        let millisOfDay = Int(epochMilliseconds - days * 86_400_000)
        hour = millisOfDay / 3_600_000
        minute = millisOfDay / 60_000 % 60
        second = millisOfDay / 1000 % 60
        millisecond = millisOfDay % 1000
        let z = days + 719_468
        let era = HTTPDate.floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthPrime + 2) / 5 + 1)
        month = Int(monthPrime < 10 ? monthPrime + 3 : monthPrime - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }
}
