/// MACD (Gerald Appel).
///
/// - `macd` = EMA(fastPeriod) − EMA(slowPeriod) of the input;
/// - `signal` = EMA(signalPeriod) of the MACD line, fed from the first input at which both
///   EMAs are ready;
/// - `histogram` = `macd − signal`.
/// Every EMA is an `ExponentialMovingAverage` (α = 2/(N+1), seeded with the SMA of its first N
/// inputs).
///
/// - Warm-up: the MACD line is defined after `max(fastPeriod, slowPeriod)` inputs, the signal
///   `signalPeriod − 1` inputs later, i.e. ready after
///   `max(fastPeriod, slowPeriod) + signalPeriod − 1` inputs (34 for 12/26/9). All three outputs
///   are `.nan` until then (also `macd`, although it is internally known earlier).
/// - Cost: O(1) per update, no allocation.
public struct MovingAverageConvergenceDivergence: Sendable {
    public let fastPeriod: Int
    public let slowPeriod: Int
    public let signalPeriod: Int
    @usableFromInline var fast: ExponentialMovingAverage
    @usableFromInline var slow: ExponentialMovingAverage
    @usableFromInline var signalAverage: ExponentialMovingAverage
    @usableFromInline var line: Double = .nan

    /// - Precondition: every period `>= 1`. (`fastPeriod < slowPeriod` is conventional but not
    ///   required.)
    public init(fastPeriod: Int = 12, slowPeriod: Int = 26, signalPeriod: Int = 9) {
        precondition(fastPeriod >= 1 && slowPeriod >= 1 && signalPeriod >= 1,
                     "MovingAverageConvergenceDivergence periods must be >= 1")
        self.fastPeriod = fastPeriod
        self.slowPeriod = slowPeriod
        self.signalPeriod = signalPeriod
        self.fast = ExponentialMovingAverage(period: fastPeriod)
        self.slow = ExponentialMovingAverage(period: slowPeriod)
        self.signalAverage = ExponentialMovingAverage(period: signalPeriod)
    }

    @inlinable
    public mutating func update(_ value: Double) {
        fast.update(value)
        slow.update(value)
        if fast.isReady && slow.isReady {
            line = fast.value - slow.value
            signalAverage.update(line)
        }
    }

    @inlinable public var isReady: Bool { signalAverage.isReady }

    /// EMA(fast) − EMA(slow); `.nan` before ready.
    @inlinable public var macd: Double { signalAverage.isReady ? line : .nan }

    /// EMA(signalPeriod) of `macd`; `.nan` before ready.
    @inlinable public var signal: Double { signalAverage.value }

    /// `macd − signal`; `.nan` before ready.
    @inlinable public var histogram: Double {
        signalAverage.isReady ? line - signalAverage.value : .nan
    }

    public mutating func reset() {
        fast.reset()
        slow.reset()
        signalAverage.reset()
        line = .nan
    }
}
