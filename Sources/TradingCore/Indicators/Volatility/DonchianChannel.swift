/// Donchian channel (Richard Donchian) over the last `period` bars, current bar included.
///
/// - `upper` = highest high, `lower` = lowest low, `middle` = (upper + lower) / 2.
///
/// - Warm-up: ready after `period` bars; all three outputs are `.nan` before.
/// - Cost: amortised O(1) per update (monotonic deques), no allocation after `init`.
/// - Inputs must not be NaN.
public struct DonchianChannel: Sendable {
    public let period: Int
    @usableFromInline var highs: IndicatorMaxDeque
    /// Negated lows, so that its maximum is −(lowest low).
    @usableFromInline var negatedLows: IndicatorMaxDeque
    @usableFromInline var seen: Int = 0

    /// - Precondition: `period >= 1`.
    public init(period: Int = 20) {
        precondition(period >= 1, "DonchianChannel period must be >= 1")
        self.period = period
        self.highs = IndicatorMaxDeque(window: period)
        self.negatedLows = IndicatorMaxDeque(window: period)
    }

    @inlinable
    public mutating func update(high: Double, low: Double) {
        highs.push(high)
        negatedLows.push(-low)
        if seen < period { seen &+= 1 }
    }

    @inlinable public var isReady: Bool { seen >= period }

    /// Highest high of the last `period` bars; `.nan` before ready.
    @inlinable public var upper: Double { seen >= period ? highs.maximum : .nan }

    /// Lowest low of the last `period` bars; `.nan` before ready.
    @inlinable public var lower: Double { seen >= period ? -negatedLows.maximum : .nan }

    /// (upper + lower) / 2; `.nan` before ready.
    @inlinable public var middle: Double {
        seen >= period ? (highs.maximum - negatedLows.maximum) / 2 : .nan
    }

    public mutating func reset() {
        highs.reset()
        negatedLows.reset()
        seen = 0
    }
}
