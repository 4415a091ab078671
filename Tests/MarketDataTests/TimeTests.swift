import MarketData
import Testing
import TradingCore

@Suite("ISO 8601 and the UTC period calendar")
struct TimeTests {
    @Test("ISO 8601 accepted forms")
    func accepted() {
        let jan1: Int64 = 1_704_067_200_000
        #expect(ISO8601Text.parse("2024-01-01") == jan1)
        #expect(ISO8601Text.parse("2024-01-01T00:00:00Z") == jan1)
        #expect(ISO8601Text.parse("2024-01-01t00:00z") == jan1)
        #expect(ISO8601Text.parse("2024-01-01 12:34:56.789") == jan1 + 45_296_789)
        #expect(ISO8601Text.parse("2024-01-01T01:00:00+01:00") == jan1)
        #expect(ISO8601Text.parse("2024-01-01T01:30:00+0130") == jan1)
        #expect(ISO8601Text.parse("2023-12-31T22:00:00-02") == jan1)
        #expect(ISO8601Text.parse("1970-01-01T00:00:00Z") == 0)
        #expect(ISO8601Text.parse("1969-12-31T23:59:59Z") == -1000)
        #expect(ISO8601Text.parse("2000-02-29T00:00:00Z") == 951_782_400_000)
        #expect(ISO8601Text.parse("2024-01-01T00:00:00.1234567Z") == jan1 + 123)
    }

    @Test("ISO 8601 rejected forms", arguments: [
        "", "2024", "2024-1-01", "2024-01-1", "2024-00-10", "2024-13-01", "2023-02-29", "2024-04-31", "2024-01-01T24:00:00Z",
        "2024-01-01T12:60:00Z", "2024-01-01T12:00:60Z", "2024-01-01T12", "2024-01-01T12:00:00.Z", "2024-01-01T12:00:00+25:00",
        "2024-01-01T12:00:00Zjunk", "2024/01/01", "2024-01-01X12:00", "2024-01-01T12:00:00 Z",
    ])
    func rejected(text: String) {
        #expect(ISO8601Text.parse(text) == nil)
    }

    @Test("formatting")
    func format() {
        #expect(ISO8601Text.format(1_704_067_200_000) == "2024-01-01T00:00:00Z")
        #expect(ISO8601Text.format(1_704_067_200_123) == "2024-01-01T00:00:00.123Z")
        #expect(ISO8601Text.format(-1000) == "1969-12-31T23:59:59Z")
        var generator = SplitMix(seed: 3)
        for _ in 0..<10_000 {
            let millis = Int64(generator.next() % 253_402_300_800_000)
            #expect(ISO8601Text.parse(ISO8601Text.format(millis)) == millis)
        }
    }

    @Test("civil date conversions")
    func civil() {
        #expect(PeriodCalendar.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(PeriodCalendar.daysFromCivil(year: 2024, month: 1, day: 1) == 19_723)
        #expect(PeriodCalendar.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        for days in stride(from: Int64(-800_000), to: 2_900_000, by: 997) {
            let civil = PeriodCalendar.civilFromDays(days)
            #expect(PeriodCalendar.daysFromCivil(year: civil.year, month: civil.month, day: civil.day) == days)
        }
    }

    @Test("period starts: fixed, weeks from Monday, calendar months")
    func periods() {
        let t = ISO8601Text.parse("2024-02-15T13:47:12.5Z")!  // a Thursday
        func start(_ tf: Timeframe) -> String { ISO8601Text.format(PeriodCalendar.periodStart(containing: t, timeframe: tf)) }
        #expect(start(.oneSecond) == "2024-02-15T13:47:12Z")
        #expect(start(.fiveMinutes) == "2024-02-15T13:45:00Z")
        #expect(start(.fourHours) == "2024-02-15T12:00:00Z")
        #expect(start(.oneDay) == "2024-02-15T00:00:00Z")
        #expect(start(.threeDays) == "2024-02-14T00:00:00Z")  // epoch-aligned: day 19768 = 3 × 6589 + 1
        #expect(start(.oneWeek) == "2024-02-12T00:00:00Z")  // Monday
        #expect(start(.oneMonth) == "2024-02-01T00:00:00Z")
        #expect(ISO8601Text.format(PeriodCalendar.nextPeriodStart(after: t, timeframe: .oneMonth)) == "2024-03-01T00:00:00Z")
        let december = ISO8601Text.parse("2023-12-31T23:59:59Z")!
        #expect(ISO8601Text.format(PeriodCalendar.nextPeriodStart(after: december, timeframe: .oneMonth)) == "2024-01-01T00:00:00Z")
        #expect(PeriodCalendar.isAligned(ISO8601Text.parse("2024-01-01T00:00:00Z")!, to: .oneWeek))  // a Monday
        #expect(!PeriodCalendar.isAligned(ISO8601Text.parse("2024-01-04T00:00:00Z")!, to: .oneWeek))  // a Thursday
        #expect(PeriodCalendar.periodCount(from: ISO8601Text.parse("2024-01-15")!, to: ISO8601Text.parse("2024-04-01")!, timeframe: .oneMonth) == 2)
        #expect(PeriodCalendar.periodCount(from: 0, to: 3_600_000, timeframe: .oneMinute) == 60)
        #expect(PeriodCalendar.periodCount(from: 1, to: 3_600_001, timeframe: .oneMinute) == 60)
    }
}
