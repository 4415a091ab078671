import TradingCore

/// `year`, `month`, `dayofmonth`, `dayofweek`, `hour`, `minute`, `second` of a bar time, in UTC.
enum CalendarFields {
    static func field(_ name: String, of milliseconds: Int64) -> Int64 {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        switch name {
        case "hour": return secondOfDay / 3600
        case "minute": return secondOfDay / 60 % 60
        case "second": return secondOfDay % 60
        // 1970-01-01 was a Thursday; Pine numbers Sunday 1 … Saturday 7.
        case "dayofweek": return ((days + 4) % 7 + 7) % 7 + 1
        default:
            let (year, month, day) = ISO8601Timestamp.civil(fromDays: days)
            switch name {
            case "year": return year
            case "month": return month
            default: return day
            }
        }
    }
}
