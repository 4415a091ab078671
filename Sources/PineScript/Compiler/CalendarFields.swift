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
            // Civil date from days since the epoch (Howard Hinnant's algorithm).
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthIndex = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
            let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            switch name {
            case "year": return year
            case "month": return month
            default: return day
            }
        }
    }
}
