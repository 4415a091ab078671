/// Bollinger Bands (John Bollinger).
///
/// - `middle` = simple moving average of the last `period` inputs;
/// - `upper` = middle + `standardDeviations`·σ, `lower` = middle − `standardDeviations`·σ, where σ
///   is the population standard deviation (divide by N) of the same window — the convention
///   of Bollinger and of the StockCharts worked example.
///
/// - Warm-up: ready after `period` inputs; all three outputs are `.nan` before.
/// - Cost: O(1) amortised, no allocation after `init` (same numerics as `StandardDeviation`).
/// - Inputs must be finite.
public struct BollingerBands: Sendable {
    public let period: Int
    public let standardDeviations: Double
    @usableFromInline var moments: IndicatorWindowMoments

    /// - Precondition: `period >= 1`; `standardDeviations` finite and `>= 0`.
    public init(period: Int = 20, standardDeviations: Double = 2) {
        precondition(period >= 1, "BollingerBands period must be >= 1")
        precondition(standardDeviations.isFinite && standardDeviations >= 0,
                     "BollingerBands standardDeviations must be finite and >= 0")
        self.period = period
        self.standardDeviations = standardDeviations
        self.moments = IndicatorWindowMoments(period: period)
    }

    @inlinable
    public mutating func update(_ value: Double) {
        moments.update(value)
    }

    @inlinable public var isReady: Bool { moments.isReady }

    /// SMA of the window; `.nan` before ready.
    @inlinable public var middle: Double { moments.isReady ? moments.mean : .nan }

    /// `middle + standardDeviations·σ`; `.nan` before ready.
    @inlinable public var upper: Double {
        moments.isReady ? moments.mean + standardDeviations * moments.variance.squareRoot() : .nan
    }

    /// `middle − standardDeviations·σ`; `.nan` before ready.
    @inlinable public var lower: Double {
        moments.isReady ? moments.mean - standardDeviations * moments.variance.squareRoot() : .nan
    }

    public mutating func reset() {
        moments.reset()
    }
}
