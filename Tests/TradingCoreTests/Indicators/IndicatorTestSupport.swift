import Testing
@testable import TradingCore

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator so every indicator
/// test sees the same "random" market data on every run and platform.
struct IndicatorTestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { 2 * unit() - 1 }
}

enum IndicatorFixtures {
    /// A multiplicative random walk of `count` closes starting at `start`, with steps of up to
    /// ±`step` (relative) and, with probability `flatProbability`, an unchanged close (so ties,
    /// zero changes and flat windows occur).
    static func closes(count: Int, seed: UInt64, start: Double = 100, step: Double = 0.01,
                       flatProbability: Double = 0.05) -> [Double] {
        var random = IndicatorTestRandom(seed: seed)
        var price = start
        var result: [Double] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            if random.unit() >= flatProbability {
                price *= 1 + step * random.symmetric()
            }
            result.append(price)
        }
        return result
    }

    /// Internally consistent OHLC bars around a random walk: open = previous close,
    /// high ≥ max(open, close), low ≤ min(open, close). Some bars are completely flat.
    static func bars(count: Int, seed: UInt64, start: Double = 100) -> [Bar] {
        var random = IndicatorTestRandom(seed: seed ^ 0xA5A5_A5A5)
        let closes = closes(count: count, seed: seed, start: start)
        var result: [Bar] = []
        result.reserveCapacity(count)
        var open = start
        for (i, close) in closes.enumerated() {
            let flat = close == open && random.unit() < 0.5
            let high = flat ? close : max(open, close) * (1 + 0.005 * random.unit())
            let low = flat ? close : min(open, close) * (1 - 0.005 * random.unit())
            result.append(Bar(openTime: Int64(i) * 60_000, open: open, high: high, low: low,
                              close: close, volume: 1))
            open = close
        }
        return result
    }

    /// Bars whose high, low and close are all `close` (for single-series indicators).
    static func bars(closes: [Double]) -> [Bar] {
        closes.enumerated().map { i, c in
            Bar(openTime: Int64(i) * 60_000, open: c, high: c, low: c, close: c, volume: 1)
        }
    }
}

/// `|actual − expected| ≤ tolerance·max(1, |expected|)`; two NaNs are equal, NaN vs number is not.
func indicatorClose(_ actual: Double, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
    if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
    return (actual - expected).magnitude <= tolerance * max(1, expected.magnitude)
}

/// Bitwise equality, treating every NaN as equal.
func indicatorIdentical(_ a: Double, _ b: Double) -> Bool {
    (a.isNaN && b.isNaN) || a.bitPattern == b.bitPattern
}

/// Uniform test access to every indicator: feed a bar, read readiness and the outputs.
protocol IndicatorProbe {
    mutating func feed(_ bar: Bar)
    var probeReady: Bool { get }
    var probeOutputs: [Double] { get }
    mutating func reset()
}

extension SimpleMovingAverage: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [value] }
}
extension ExponentialMovingAverage: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [value] }
}
extension WeightedMovingAverage: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [value] }
}
extension RelativeStrengthIndex: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [value] }
}
extension MovingAverageConvergenceDivergence: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [macd, signal, histogram] }
}
extension StochasticOscillator: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(high: bar.high, low: bar.low, close: bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [k, d] }
}
extension BollingerBands: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [middle, upper, lower] }
}
extension AverageTrueRange: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(high: bar.high, low: bar.low, close: bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [value] }
}
extension StandardDeviation: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(bar.close) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [value] }
}
extension DonchianChannel: IndicatorProbe {
    mutating func feed(_ bar: Bar) { update(high: bar.high, low: bar.low) }
    var probeReady: Bool { isReady }
    var probeOutputs: [Double] { [upper, lower, middle] }
}

/// Feeds `bars` to a fresh indicator and checks, at every step:
/// - `isReady` is false exactly for the first `warmUp − 1` bars and true from bar `warmUp` on;
/// - every output is NaN before ready;
/// - every output matches `reference[i]` to `tolerance` (relative, absolute below 1).
/// Then checks that `reset()` — after a partial run — reproduces the same outputs bit for bit.
func verifyIndicator<I: IndicatorProbe>(
    _ fresh: I, bars: [Bar], reference: [[Double]], warmUp: Int, tolerance: Double = 1e-9,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    precondition(reference.count == bars.count)
    var indicator = fresh
    var firstRun: [[Double]] = []
    firstRun.reserveCapacity(bars.count)
    var readinessErrors: [Int] = []
    var nanErrors: [Int] = []
    var valueErrors: [String] = []
    for (i, bar) in bars.enumerated() {
        indicator.feed(bar)
        let outputs = indicator.probeOutputs
        firstRun.append(outputs)
        let shouldBeReady = i + 1 >= warmUp
        if indicator.probeReady != shouldBeReady { readinessErrors.append(i) }
        if !indicator.probeReady && !outputs.allSatisfy(\.isNaN) { nanErrors.append(i) }
        for (j, value) in outputs.enumerated() where !indicatorClose(value, reference[i][j], tolerance: tolerance) {
            valueErrors.append("bar \(i) output \(j): \(value) vs reference \(reference[i][j])")
        }
    }
    #expect(readinessErrors.isEmpty, "isReady wrong at bars \(readinessErrors.prefix(5))", sourceLocation: sourceLocation)
    #expect(nanErrors.isEmpty, "non-NaN output before ready at bars \(nanErrors.prefix(5))", sourceLocation: sourceLocation)
    #expect(valueErrors.isEmpty, "\(valueErrors.count) mismatches, first: \(valueErrors.prefix(3))", sourceLocation: sourceLocation)

    // reset() after a partial run must behave exactly like a fresh instance.
    for bar in bars.prefix(bars.count / 3) { indicator.feed(bar) }
    indicator.reset()
    #expect(!indicator.probeReady || warmUp <= 0, "ready right after reset", sourceLocation: sourceLocation)
    var resetMismatches = 0
    for (i, bar) in bars.enumerated() {
        indicator.feed(bar)
        let outputs = indicator.probeOutputs
        if !zip(outputs, firstRun[i]).allSatisfy(indicatorIdentical) { resetMismatches += 1 }
    }
    #expect(resetMismatches == 0, "after reset(), \(resetMismatches) bars differ from a fresh run", sourceLocation: sourceLocation)
}
