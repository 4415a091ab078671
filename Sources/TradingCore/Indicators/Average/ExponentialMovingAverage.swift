/// Exponential moving average with smoothing factor α = 2 / (period + 1).
///
/// - Seeding: the first value is the simple average of the first `period` inputs; after that
///   `EMA = EMA + α·(x − EMA)` (algebraically `α·x + (1 − α)·EMA`).
/// - Warm-up: ready after `period` inputs; `value` is `.nan` before.
/// - Cost: O(1) per update, no allocation.
public struct ExponentialMovingAverage: Sendable {
    public let period: Int
    /// Smoothing factor α = 2 / (period + 1).
    public let alpha: Double
    @usableFromInline var seedSum: Double = 0
    @usableFromInline var seen: Int = 0
    @usableFromInline var current: Double = .nan

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        precondition(period >= 1, "ExponentialMovingAverage period must be >= 1")
        self.period = period
        self.alpha = 2.0 / Double(period + 1)
    }

    @inlinable
    public mutating func update(_ value: Double) {
        if seen >= period {
            current += alpha * (value - current)
        } else {
            seedSum += value
            seen &+= 1
            if seen == period { current = seedSum / Double(period) }
        }
    }

    @inlinable public var isReady: Bool { seen >= period }

    /// Current EMA; `.nan` before ready.
    @inlinable public var value: Double { current }

    public mutating func reset() {
        seedSum = 0
        seen = 0
        current = .nan
    }
}
