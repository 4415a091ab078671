/// Simple moving average: the arithmetic mean of the last `period` inputs.
///
/// - Warm-up: ready after `period` inputs; `value` is `.nan` before.
/// - Cost: O(1) per update, no allocation after `init` (fixed ring buffer).
/// - Numerics: the window sum is a Neumaier-compensated running sum (add the new value,
///   subtract the evicted one), so it does not drift over millions of bars.
/// - Inputs must be finite: a NaN or infinity poisons the running sum until `reset()`.
public struct SimpleMovingAverage: Sendable {
    public let period: Int
    @usableFromInline var window: IndicatorRingBuffer
    @usableFromInline var sum = NeumaierSum()

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        precondition(period >= 1, "SimpleMovingAverage period must be >= 1")
        self.period = period
        self.window = IndicatorRingBuffer(capacity: period)
    }

    @inlinable
    public mutating func update(_ value: Double) {
        if window.isFull {
            let evicted = window.replaceOldest(with: value)
            sum.add(value)
            sum.add(-evicted)
        } else {
            window.append(value)
            sum.add(value)
        }
    }

    @inlinable public var isReady: Bool { window.isFull }

    /// Mean of the last `period` inputs; `.nan` before ready.
    @inlinable public var value: Double {
        window.isFull ? sum.value / Double(period) : .nan
    }

    public mutating func reset() {
        window.removeAll()
        sum.reset()
    }
}
