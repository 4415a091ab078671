/// Population standard deviation (divide by N) of the last `period` inputs:
/// `sqrt(Σ (xᵢ − mean)² / period)`.
///
/// - Warm-up: ready after `period` inputs; `value` is `.nan` before.
/// - Cost: O(1) amortised, no allocation after `init`.
/// - Numerics: sliding Welford update of mean and M2, recomputed exactly (two-pass) from the
///   ring buffer every `period` updates, and earlier when an error bound says the spread has
///   become tiny relative to the level (see `docs/indicators.md`).
/// - Inputs must be finite.
public struct StandardDeviation: Sendable {
    public let period: Int
    @usableFromInline var moments: IndicatorWindowMoments

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        precondition(period >= 1, "StandardDeviation period must be >= 1")
        self.period = period
        self.moments = IndicatorWindowMoments(period: period)
    }

    @inlinable
    public mutating func update(_ value: Double) {
        moments.update(value)
    }

    @inlinable public var isReady: Bool { moments.isReady }

    /// Population standard deviation of the window; `.nan` before ready.
    @inlinable public var value: Double {
        moments.isReady ? moments.variance.squareRoot() : .nan
    }

    public mutating func reset() {
        moments.reset()
    }
}
