import MarketData
import Testing
import TradingCore

private let jan2024 = ISO8601Text.parse("2024-01-01T00:00:00Z")!

private func bar(_ time: Int64, _ open: Double, _ high: Double, _ low: Double, _ close: Double, _ volume: Double) -> Bar {
    Bar(openTime: time, open: open, high: high, low: low, close: close, volume: volume)
}

@Suite("Resampler")
struct ResamplerTests {
    @Test("1m → 5m by hand")
    func minutesToFive() throws {
        let m: Int64 = 60_000
        let t = jan2024
        let input = [
            bar(t + 0 * m, 100, 101, 99, 100.5, 1),
            bar(t + 1 * m, 100.5, 103, 100, 102, 2),
            bar(t + 2 * m, 102, 102.5, 98, 99, 3.5),
            bar(t + 3 * m, 99, 100, 97.5, 99.75, 0.25),
            bar(t + 4 * m, 99.75, 101, 99.5, 100.25, 4),
            bar(t + 5 * m, 100.25, 100.5, 100, 100.1, 1),
            bar(t + 6 * m, 100.1, 104, 100.1, 103.9, 2),
            bar(t + 7 * m, 103.9, 104, 101, 101.5, 3),
            bar(t + 8 * m, 101.5, 102, 96, 97, 4),
            bar(t + 9 * m, 97, 98, 96.5, 97.5, 5),
        ]
        let result = try BarResampler.resample(input, from: .oneMinute, to: .fiveMinutes)
        #expect(result.dropped.isEmpty)
        #expect(result.bars == [
            bar(t, 100, 103, 97.5, 100.25, 10.75),
            bar(t + 5 * m, 100.25, 104, 96, 97.5, 15),
        ])
    }

    @Test("1h → 1d by hand, with partial days at both ends dropped and reported")
    func hoursToDay() throws {
        let h: Int64 = 3_600_000
        var input: [Bar] = []
        // 2023-12-31 20:00 … 23:00 (partial start), all of 2024-01-01, 2024-01-02 00:00 … 01:00 (partial end).
        for i in -4..<26 {
            let price = 100 + Double(i)
            input.append(bar(jan2024 + Int64(i) * h, price, price + 2 + (i == 7 ? 30 : 0), price - 1 - (i == 15 ? 25 : 0), price + 1, Double(i + 10)))
        }
        let result = try BarResampler.resample(input, from: .oneHour, to: .oneDay)
        // Day 1: open 100 (hour 0), high 107 + 2 + 30 = 139 (hour 7), low 115 - 1 - 25 = 89 (hour 15),
        // close 123 + 1 = 124 (hour 23), volume Σ_{i=0}^{23} (i + 10) = 276 + 240 = 516.
        #expect(result.bars == [bar(jan2024, 100, 139, 89, 124, 516)])
        #expect(result.dropped == [
            DroppedPeriod(periodStart: jan2024 - 24 * h, expectedBars: 24, presentBars: 4, reason: .partialStart),
            DroppedPeriod(periodStart: jan2024 + 24 * h, expectedBars: 24, presentBars: 2, reason: .partialEnd),
        ])
        #expect(result.dropped[0].description == "2023-12-31T00:00:00Z: 4 of 24 source bars (partial_start)")
    }

    @Test("a gap inside the data drops that period as missing_bars")
    func gap() throws {
        let m: Int64 = 60_000
        var input: [Bar] = []
        for i in 0..<15 where i != 7 {
            input.append(bar(jan2024 + Int64(i) * m, 10, 11, 9, 10, 1))
        }
        let result = try BarResampler.resample(input, from: .oneMinute, to: .fiveMinutes)
        #expect(result.bars.map(\.openTime) == [jan2024, jan2024 + 10 * m])
        #expect(result.dropped == [DroppedPeriod(periodStart: jan2024 + 5 * m, expectedBars: 5, presentBars: 4, reason: .missingBars)])
    }

    @Test("1d → 1w starts weeks on Monday; 1d → 1M uses calendar months")
    func weeksAndMonths() throws {
        let d: Int64 = 86_400_000
        let start = ISO8601Text.parse("2024-01-01")!  // Monday
        let days = (0..<91).map { i in bar(start + Int64(i) * d, 1, 2, 0.5, 1.5, 1) }  // Jan 1 … Mar 31
        let weeks = try BarResampler.resample(days, from: .oneDay, to: .oneWeek)
        #expect(weeks.bars.count == 13)
        #expect(weeks.bars.allSatisfy { $0.volume == 7 })
        #expect(ISO8601Text.format(weeks.bars[1].openTime) == "2024-01-08T00:00:00Z")
        #expect(weeks.dropped.isEmpty)
        let months = try BarResampler.resample(days, from: .oneDay, to: .oneMonth)
        #expect(months.bars.map(\.volume) == [31, 29, 31])
        #expect(months.bars.map { ISO8601Text.format($0.openTime) } == ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"])
        // Starting mid-week and mid-month: the partial periods are reported.
        let later = Array(days.dropFirst(3))  // Thursday Jan 4
        let partialWeeks = try BarResampler.resample(later, from: .oneDay, to: .oneWeek)
        #expect(partialWeeks.dropped == [DroppedPeriod(periodStart: start, expectedBars: 7, presentBars: 4, reason: .partialStart)])
        let partialMonths = try BarResampler.resample(Array(later.dropLast(2)), from: .oneDay, to: .oneMonth)
        #expect(partialMonths.bars.map(\.volume) == [29])
        #expect(partialMonths.dropped == [
            DroppedPeriod(periodStart: start, expectedBars: 31, presentBars: 28, reason: .partialStart),
            DroppedPeriod(periodStart: ISO8601Text.parse("2024-03-01")!, expectedBars: 31, presentBars: 29, reason: .partialEnd),
        ])
    }

    @Test("which conversions are allowed")
    func allowed() {
        #expect(BarResampler.canResample(from: .oneMinute, to: .oneHour))
        #expect(BarResampler.canResample(from: .twoHours, to: .threeDays))
        #expect(BarResampler.canResample(from: .eightHours, to: .oneWeek))
        #expect(BarResampler.canResample(from: .oneDay, to: .oneMonth))
        #expect(BarResampler.canResample(from: .oneHour, to: .oneHour))
        #expect(!BarResampler.canResample(from: .oneHour, to: .oneMinute))
        #expect(!BarResampler.canResample(from: .fourHours, to: .sixHours))
        #expect(!BarResampler.canResample(from: .threeDays, to: .oneWeek))
        #expect(!BarResampler.canResample(from: .oneWeek, to: .oneMonth))
        #expect(!BarResampler.canResample(from: .oneMonth, to: .oneWeek))
    }

    @Test("misuse errors")
    func misuse() {
        let m: Int64 = 60_000
        do {
            _ = try BarResampler.resample([], from: .fourHours, to: .sixHours)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidTimeframe)
            #expect(error.message == "cannot resample 4h bars to 6h: the target must be a whole multiple of the source (1w and 1M need a source of 1d or shorter)")
        }
        do {
            _ = try BarResampler.resample([bar(jan2024 + m, 1, 1, 1, 1, 1), bar(jan2024, 1, 1, 1, 1, 1)], from: .oneMinute, to: .oneHour)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidData)
            #expect(error.message == "bar 1 at 2024-01-01T00:00:00Z is not after the previous bar; resampling needs strictly increasing bars")
        }
        do {
            _ = try BarResampler.resample([bar(jan2024 + 1000, 1, 1, 1, 1, 1)], from: .oneMinute, to: .oneHour)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidData)
            #expect(error.message == "bar 0 at 2024-01-01T00:00:01Z is not aligned to the 1m period")
        }
        #expect((try? BarResampler.resample([], from: .oneMinute, to: .oneHour)) == ResampledBars(bars: [], dropped: []))
    }
}
