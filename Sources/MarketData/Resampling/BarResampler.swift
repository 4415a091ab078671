import TradingCore

/// Aggregates bars of a lower timeframe into a higher one: open = first open, high = max,
/// low = min, close = last close, volume = sum, `openTime` = the target period start
/// (`PeriodCalendar`: epoch-aligned fixed periods, `1w` from Monday 00:00 UTC, `1M` calendar
/// months). Only complete periods produce a bar; partial ones are returned in `dropped`.
public enum BarResampler {
    /// True when every `target` period is an exact union of `source` periods:
    /// the same timeframe; a fixed target whose length is a multiple of the source length;
    /// `1w` or `1M` from any timeframe that divides a day (`1s` … `1d`).
    public static func canResample(from source: Timeframe, to target: Timeframe) -> Bool {
        if source == target { return true }
        if source == .oneMonth { return false }
        let day = PeriodCalendar.millisecondsPerDay
        switch target {
        case .oneMonth, .oneWeek:
            return day % source.milliseconds == 0
        default:
            return target.milliseconds > source.milliseconds && target.milliseconds % source.milliseconds == 0
        }
    }

    /// Resamples `bars` (strictly increasing, aligned to `source`) to `target`.
    ///
    /// Throws `.invalidTimeframe` when `target` is not a multiple of `source`
    /// (`canResample(from:to:)`), and `.invalidData` when the input is not strictly increasing or
    /// a bar is not aligned to `source`.
    public static func resample(_ bars: [Bar], from source: Timeframe, to target: Timeframe) throws(TradingError) -> ResampledBars {
        guard canResample(from: source, to: target) else {
            throw TradingError(
                code: .invalidTimeframe,
                message: "cannot resample \(source.rawValue) bars to \(target.rawValue): the target must be a whole multiple of the source (1w and 1M need a source of 1d or shorter)",
                details: ["source": .text(source.rawValue), "target": .text(target.rawValue)])
        }
        var output: [Bar] = []
        var dropped: [DroppedPeriod] = []
        guard !bars.isEmpty else { return ResampledBars(bars: [], dropped: []) }
        let sourceLength = source.milliseconds
        output.reserveCapacity(bars.count / max(Int(target.milliseconds / sourceLength), 1) + 2)

        var periodStart = Int64.min
        var periodEnd = Int64.min
        var aggregate = bars[0]
        var count = 0
        var firstOpen: Int64 = 0
        var lastOpen: Int64 = 0
        var isFirstPeriod = true

        func finish(isLast: Bool) {
            let expected: Int
            if source == .oneMonth {
                expected = 1
            } else {
                expected = Int((periodEnd - periodStart) / sourceLength)
            }
            if count == expected {
                output.append(aggregate)
            } else {
                let contiguous = source == .oneMonth || Int((lastOpen - firstOpen) / sourceLength) + 1 == count
                let headMissing = firstOpen > periodStart
                let tailMissing = PeriodCalendar.nextPeriodStart(after: lastOpen, timeframe: source) < periodEnd
                let reason: DroppedPeriod.Reason
                if contiguous, isFirstPeriod, headMissing, !tailMissing {
                    reason = .partialStart
                } else if contiguous, isLast, tailMissing, !headMissing {
                    reason = .partialEnd
                } else {
                    reason = .missingBars
                }
                dropped.append(DroppedPeriod(periodStart: periodStart, expectedBars: expected, presentBars: count, reason: reason))
            }
        }

        var previousTime = Int64.min
        for (index, bar) in bars.enumerated() {
            guard bar.openTime > previousTime else {
                throw TradingError(
                    code: .invalidData,
                    message: "bar \(index) at \(ISO8601Text.format(bar.openTime)) is not after the previous bar; resampling needs strictly increasing bars",
                    details: ["index": .number(Double(index)), "timestamp": .number(Double(bar.openTime))])
            }
            guard PeriodCalendar.isAligned(bar.openTime, to: source) else {
                throw TradingError(
                    code: .invalidData,
                    message: "bar \(index) at \(ISO8601Text.format(bar.openTime)) is not aligned to the \(source.rawValue) period",
                    details: ["index": .number(Double(index)), "timestamp": .number(Double(bar.openTime))])
            }
            previousTime = bar.openTime
            if bar.openTime >= periodEnd {
                if count > 0 {
                    finish(isLast: false)
                    isFirstPeriod = false
                }
                periodStart = PeriodCalendar.periodStart(containing: bar.openTime, timeframe: target)
                periodEnd = PeriodCalendar.nextPeriodStart(after: periodStart, timeframe: target)
                aggregate = Bar(openTime: periodStart, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume)
                count = 1
                firstOpen = bar.openTime
            } else {
                aggregate.high = max(aggregate.high, bar.high)
                aggregate.low = min(aggregate.low, bar.low)
                aggregate.close = bar.close
                aggregate.volume += bar.volume
                count += 1
            }
            lastOpen = bar.openTime
        }
        finish(isLast: true)
        return ResampledBars(bars: output, dropped: dropped)
    }
}
