/// Wilder's Relative Strength Index.
///
/// With change cₜ = xₜ − xₜ₋₁, gain = max(cₜ, 0) and loss = max(−cₜ, 0):
/// - the first average gain/loss is the simple average of the first `period` gains/losses;
/// - afterwards Wilder smoothing: `avg = (avg·(period − 1) + current) / period`;
/// - `RSI = 100 − 100 / (1 + avgGain / avgLoss)`; when avgLoss == 0 it is 100, and when both
///   averages are 0 (no movement at all) it is 50.
///
/// - Warm-up: the first input only provides the reference price, so it is ready after
///   `period + 1` inputs; `value` is `.nan` before.
/// - Cost: O(1) per update, no allocation.
public struct RelativeStrengthIndex: Sendable {
    public let period: Int
    @usableFromInline var previous: Double = .nan
    @usableFromInline var seen: Int = 0
    @usableFromInline var averageGain: Double = 0
    @usableFromInline var averageLoss: Double = 0

    /// - Precondition: `period >= 1`.
    public init(period: Int = 14) {
        precondition(period >= 1, "RelativeStrengthIndex period must be >= 1")
        self.period = period
    }

    @inlinable
    public mutating func update(_ value: Double) {
        defer { previous = value }
        seen &+= 1
        if seen == 1 { return }
        let change = value - previous
        let gain = change > 0 ? change : 0
        let loss = change < 0 ? -change : 0
        if seen <= period {
            // Seeding: accumulate sums, turned into simple averages at input period + 1.
            averageGain += gain
            averageLoss += loss
        } else if seen == period &+ 1 {
            averageGain = (averageGain + gain) / Double(period)
            averageLoss = (averageLoss + loss) / Double(period)
        } else {
            let n = Double(period)
            averageGain = (averageGain * (n - 1) + gain) / n
            averageLoss = (averageLoss * (n - 1) + loss) / n
        }
    }

    @inlinable public var isReady: Bool { seen > period }

    /// RSI in [0, 100]; `.nan` before ready.
    @inlinable public var value: Double {
        guard seen > period else { return .nan }
        if averageLoss == 0 { return averageGain == 0 ? 50 : 100 }
        return 100 - 100 / (1 + averageGain / averageLoss)
    }

    public mutating func reset() {
        previous = .nan
        seen = 0
        averageGain = 0
        averageLoss = 0
    }
}
