/// Stochastic oscillator (George Lane), "fast" form.
///
/// - `%K = 100·(close − LL) / (HH − LL)` where HH / LL are the highest high / lowest low of the
///   last `kPeriod` bars (current bar included); when HH == LL, %K is 50.
/// - `%D` = simple moving average of the last `dPeriod` %K values.
///
/// - Warm-up: %K is defined after `kPeriod` bars and %D `dPeriod − 1` bars later, so the
///   oscillator is ready after `kPeriod + dPeriod − 1` bars (16 for 14/3). Both `k` and `d` are
///   `.nan` until then.
/// - Cost: amortised O(1) per update (monotonic deques for HH/LL), no allocation.
/// - Inputs must be finite (and `low ≤ close ≤ high` for %K to stay within [0, 100]).
public struct StochasticOscillator: Sendable {
    public let kPeriod: Int
    public let dPeriod: Int
    @usableFromInline var highs: IndicatorMaxDeque
    /// Negated lows, so that its maximum is −(lowest low).
    @usableFromInline var negatedLows: IndicatorMaxDeque
    @usableFromInline var seen: Int = 0
    @usableFromInline var currentK: Double = .nan
    @usableFromInline var kAverage: SimpleMovingAverage

    /// - Precondition: `kPeriod >= 1` and `dPeriod >= 1`.
    public init(kPeriod: Int = 14, dPeriod: Int = 3) {
        precondition(kPeriod >= 1 && dPeriod >= 1, "StochasticOscillator periods must be >= 1")
        self.kPeriod = kPeriod
        self.dPeriod = dPeriod
        self.highs = IndicatorMaxDeque(window: kPeriod)
        self.negatedLows = IndicatorMaxDeque(window: kPeriod)
        self.kAverage = SimpleMovingAverage(period: dPeriod)
    }

    @inlinable
    public mutating func update(high: Double, low: Double, close: Double) {
        highs.push(high)
        negatedLows.push(-low)
        if seen < kPeriod { seen &+= 1 }
        guard seen >= kPeriod else { return }
        let highest = highs.maximum
        let lowest = -negatedLows.maximum
        let range = highest - lowest
        currentK = range == 0 ? 50 : 100 * (close - lowest) / range
        kAverage.update(currentK)
    }

    @inlinable public var isReady: Bool { kAverage.isReady }

    /// %K; `.nan` before ready.
    @inlinable public var k: Double { kAverage.isReady ? currentK : .nan }

    /// %D (SMA of %K); `.nan` before ready.
    @inlinable public var d: Double { kAverage.value }

    public mutating func reset() {
        highs.reset()
        negatedLows.reset()
        seen = 0
        currentK = .nan
        kAverage.reset()
    }
}
