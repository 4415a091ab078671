import Testing
@testable import TradingCore

@Suite("Momentum indicators")
struct MomentumIndicatorTests {
    static let bars = IndicatorFixtures.bars(count: 5_000, seed: 2)
    static let closes = bars.map(\.close)

    @Test("RSI matches the naive Wilder RSI at every bar", arguments: [1, 2, 5, 14, 50])
    func rsiAgainstReference(period: Int) {
        verifyIndicator(RelativeStrengthIndex(period: period), bars: Self.bars,
                        reference: NaiveIndicators.rsi(Self.closes, period).map { [$0] },
                        warmUp: period + 1)
    }

    @Test("MACD matches EMAs of the naive reference at every bar",
          arguments: [(12, 26, 9), (3, 5, 2), (1, 1, 1), (26, 12, 9), (5, 35, 5)])
    func macdAgainstReference(periods: (Int, Int, Int)) {
        let (fast, slow, signal) = periods
        verifyIndicator(
            MovingAverageConvergenceDivergence(fastPeriod: fast, slowPeriod: slow, signalPeriod: signal),
            bars: Self.bars,
            reference: NaiveIndicators.macd(Self.closes, fast: fast, slow: slow, signal: signal),
            warmUp: max(fast, slow) + signal - 1)
    }

    @Test("Stochastic matches the naive window scan at every bar",
          arguments: [(14, 3), (1, 1), (5, 1), (1, 4), (30, 5)])
    func stochasticAgainstReference(periods: (Int, Int)) {
        let (k, d) = periods
        verifyIndicator(StochasticOscillator(kPeriod: k, dPeriod: d), bars: Self.bars,
                        reference: NaiveIndicators.stochastic(Self.bars, k: k, d: d), warmUp: k + d - 1)
    }

    @Test("Default parameters: RSI 14, MACD 12/26/9, Stochastic 14/3")
    func defaults() {
        #expect(RelativeStrengthIndex().period == 14)
        let macd = MovingAverageConvergenceDivergence()
        #expect(macd.fastPeriod == 12 && macd.slowPeriod == 26 && macd.signalPeriod == 9)
        let stochastic = StochasticOscillator()
        #expect(stochastic.kPeriod == 14 && stochastic.dPeriod == 3)
    }

    @Test("RSI(2) by hand: 10, 11, 10, 12 → NaN, NaN, 50, 100 − 100/6")
    func rsiHandComputed() {
        var rsi = RelativeStrengthIndex(period: 2)
        rsi.update(10)
        rsi.update(11)
        #expect(!rsi.isReady && rsi.value.isNaN)
        rsi.update(10)  // changes +1, −1: avg gain 0.5, avg loss 0.5
        #expect(rsi.isReady && rsi.value == 50)
        rsi.update(12)  // avg gain (0.5 + 2)/2 = 1.25, avg loss 0.5/2 = 0.25, RS = 5
        #expect(indicatorClose(rsi.value, 100 - 100.0 / 6, tolerance: 1e-12))
    }

    @Test("RSI extremes: only gains → 100, only losses → 0, no movement → 50")
    func rsiExtremes() {
        var up = RelativeStrengthIndex(period: 3)
        var down = RelativeStrengthIndex(period: 3)
        var flat = RelativeStrengthIndex(period: 3)
        for i in 0..<10 {
            up.update(Double(i))
            down.update(Double(-i))
            flat.update(7)
        }
        #expect(up.value == 100)
        #expect(down.value == 0)
        #expect(flat.value == 50)
        // Gains only, then flat: average loss stays exactly 0 → still 100.
        for _ in 0..<20 { up.update(9) }
        #expect(up.value == 100)
    }

    @Test("MACD(2, 3, 2) on 1…6 by hand: ready at input 4 with macd 0.5, signal 0.5")
    func macdHandComputed() {
        // EMA(2): 1.5 (seed), 2.5, 3.5, 4.5, 5.5; EMA(3): 2 (seed), 3, 4, 5.
        var macd = MovingAverageConvergenceDivergence(fastPeriod: 2, slowPeriod: 3, signalPeriod: 2)
        for x in [1.0, 2, 3] {
            macd.update(x)
            #expect(!macd.isReady && macd.macd.isNaN && macd.signal.isNaN && macd.histogram.isNaN)
        }
        macd.update(4)
        #expect(macd.isReady && macd.macd == 0.5 && macd.signal == 0.5 && macd.histogram == 0)
        // Jump to 10: EMA(2) = 3.5 + (2/3)·6.5, EMA(3) = 3 + 0.5·7 = 6.5.
        macd.update(10)
        let line = (3.5 + 2.0 / 3.0 * 6.5) - 6.5
        #expect(indicatorClose(macd.macd, line, tolerance: 1e-12))
        #expect(indicatorClose(macd.signal, 0.5 + 2.0 / 3.0 * (line - 0.5), tolerance: 1e-12))
        #expect(indicatorClose(macd.histogram, macd.macd - macd.signal, tolerance: 1e-12))
    }

    @Test("Stochastic(3, 2) by hand, including a flat range → 50")
    func stochasticHandComputed() {
        var s = StochasticOscillator(kPeriod: 3, dPeriod: 2)
        s.update(high: 10, low: 8, close: 9)
        s.update(high: 11, low: 9, close: 10)
        s.update(high: 12, low: 10, close: 11)  // %K = 100·(11 − 8)/(12 − 8) = 75, no %D yet
        #expect(!s.isReady && s.k.isNaN && s.d.isNaN)
        s.update(high: 12, low: 9, close: 9)  // HH 12, LL 9: %K = 0, %D = 37.5
        #expect(s.isReady && s.k == 0 && s.d == 37.5)
        s.update(high: 10, low: 10, close: 10)  // HH 12, LL 9: %K = 100/3
        #expect(indicatorClose(s.k, 100.0 / 3, tolerance: 1e-12))
        #expect(indicatorClose(s.d, 50.0 / 3, tolerance: 1e-12))

        var flat = StochasticOscillator(kPeriod: 3, dPeriod: 1)
        for _ in 0..<5 { flat.update(high: 5, low: 5, close: 5) }
        #expect(flat.k == 50 && flat.d == 50)
    }
}
