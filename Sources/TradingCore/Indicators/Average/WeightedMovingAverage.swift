/// Linearly weighted moving average over the last `period` inputs: the oldest input has weight
/// 1, the newest weight `period`; the result is Σ wᵢ·xᵢ / (period·(period + 1)/2).
///
/// - Warm-up: ready after `period` inputs; `value` is `.nan` before.
/// - Cost: O(1) amortised. The weighted sum W and plain sum S slide in O(1)
///   (`W ← W − S + period·x`, `S ← S − old + x`); to cancel rounding drift both are recomputed
///   exactly from the ring buffer every `period` updates.
/// - Inputs must be finite.
public struct WeightedMovingAverage: Sendable {
    public let period: Int
    @usableFromInline var window: IndicatorRingBuffer
    @usableFromInline var plainSum: Double = 0
    @usableFromInline var weightedSum: Double = 0
    @usableFromInline var updatesSinceRecompute: Int = 0
    @usableFromInline let weightTotal: Double

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        precondition(period >= 1, "WeightedMovingAverage period must be >= 1")
        self.period = period
        self.window = IndicatorRingBuffer(capacity: period)
        self.weightTotal = Double(period) * Double(period + 1) / 2
    }

    @inlinable
    public mutating func update(_ value: Double) {
        if window.isFull {
            let evicted = window.replaceOldest(with: value)
            updatesSinceRecompute &+= 1
            if updatesSinceRecompute >= period {
                recompute()
            } else {
                weightedSum += Double(period) * value - plainSum
                plainSum += value - evicted
            }
        } else {
            window.append(value)
            plainSum += value
            weightedSum += Double(window.count) * value
        }
    }

    @inlinable
    mutating func recompute() {
        var s = 0.0
        var w = 0.0
        for i in 0..<window.count {
            let x = window[i]
            s += x
            w += Double(i + 1) * x
        }
        plainSum = s
        weightedSum = w
        updatesSinceRecompute = 0
    }

    @inlinable public var isReady: Bool { window.isFull }

    /// Weighted mean of the last `period` inputs; `.nan` before ready.
    @inlinable public var value: Double {
        window.isFull ? weightedSum / weightTotal : .nan
    }

    public mutating func reset() {
        window.removeAll()
        plainSum = 0
        weightedSum = 0
        updatesSinceRecompute = 0
    }
}
