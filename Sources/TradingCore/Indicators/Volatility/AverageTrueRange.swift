/// Wilder's Average True Range.
///
/// - True range: for the first bar `high − low`; afterwards
///   `max(high − low, |high − previousClose|, |low − previousClose|)`.
/// - The first ATR is the simple average of the first `period` true ranges; afterwards Wilder
///   smoothing `ATR = (ATR·(period − 1) + TR) / period`.
///
/// - Warm-up: ready after `period` bars; `value` is `.nan` before.
/// - Cost: O(1) per update, no allocation.
public struct AverageTrueRange: Sendable {
    public let period: Int
    @usableFromInline var previousClose: Double = .nan
    @usableFromInline var seen: Int = 0
    @usableFromInline var seedSum: Double = 0
    @usableFromInline var current: Double = .nan

    /// - Precondition: `period >= 1`.
    public init(period: Int = 14) {
        precondition(period >= 1, "AverageTrueRange period must be >= 1")
        self.period = period
    }

    @inlinable
    public mutating func update(high: Double, low: Double, close: Double) {
        var trueRange = high - low
        if seen > 0 {
            trueRange = max(trueRange, (high - previousClose).magnitude, (low - previousClose).magnitude)
        }
        previousClose = close
        if seen >= period {
            let n = Double(period)
            current = (current * (n - 1) + trueRange) / n
        } else {
            seedSum += trueRange
            seen &+= 1
            if seen == period { current = seedSum / Double(period) }
        }
    }

    @inlinable public var isReady: Bool { seen >= period }

    /// Current ATR; `.nan` before ready.
    @inlinable public var value: Double { current }

    public mutating func reset() {
        previousClose = .nan
        seen = 0
        seedSum = 0
        current = .nan
    }
}
