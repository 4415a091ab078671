import Testing
@testable import TradingCore

/// Running sums over millions of bars must not drift away from a recomputation.
@Suite("Numerical drift")
struct NumericalDriftTests {
    @Test("SMA, WMA, standard deviation and Bollinger stay within 1e-9 of a recomputation over 1,000,000 bars")
    func longRun() {
        // BTC-like level, 1-minute-like moves: large level, small spread.
        let closes = IndicatorFixtures.closes(count: 1_000_000, seed: 8, start: 30_000, step: 0.002)
        let period = 20
        var sma = SimpleMovingAverage(period: period)
        var wma = WeightedMovingAverage(period: period)
        var sd = StandardDeviation(period: period)
        var bb = BollingerBands(period: period)
        var failures: [String] = []
        for i in closes.indices {
            let x = closes[i]
            sma.update(x)
            wma.update(x)
            sd.update(x)
            bb.update(x)
            // Check a checkpoint every 997 bars (co-prime with the period), and the last bar.
            guard i + 1 >= period, i % 997 == 0 || i == closes.count - 1 else { continue }
            let window = closes[(i + 1 - period)...i]
            let mean = NaiveIndicators.mean(window)
            let std = NaiveIndicators.populationStandardDeviation(window)
            let wmaRef = NaiveIndicators.wma(Array(window), period).last!
            if !indicatorClose(sma.value, mean) { failures.append("sma @\(i): \(sma.value) vs \(mean)") }
            if !indicatorClose(wma.value, wmaRef) { failures.append("wma @\(i): \(wma.value) vs \(wmaRef)") }
            if !indicatorClose(sd.value, std) { failures.append("sd @\(i): \(sd.value) vs \(std)") }
            if !indicatorClose(bb.middle, mean) || !indicatorClose(bb.upper, mean + 2 * std)
                || !indicatorClose(bb.lower, mean - 2 * std) {
                failures.append("bollinger @\(i)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) drifted, first: \(failures.prefix(3))")
    }
}
