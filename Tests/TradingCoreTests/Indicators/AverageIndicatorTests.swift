import Testing
@testable import TradingCore

@Suite("Moving averages")
struct AverageIndicatorTests {
    static let bars = IndicatorFixtures.bars(count: 5_000, seed: 1)
    static let closes = bars.map(\.close)

    @Test("SMA matches the naive window mean at every bar", arguments: [1, 2, 3, 10, 50, 200])
    func smaAgainstReference(period: Int) {
        verifyIndicator(SimpleMovingAverage(period: period), bars: Self.bars,
                        reference: NaiveIndicators.sma(Self.closes, period).map { [$0] }, warmUp: period)
    }

    @Test("EMA matches the textbook recursion at every bar", arguments: [1, 2, 3, 10, 50, 200])
    func emaAgainstReference(period: Int) {
        verifyIndicator(ExponentialMovingAverage(period: period), bars: Self.bars,
                        reference: NaiveIndicators.ema(Self.closes, period).map { [$0] }, warmUp: period)
    }

    @Test("WMA matches the naive weighted window at every bar", arguments: [1, 2, 3, 10, 50, 200])
    func wmaAgainstReference(period: Int) {
        verifyIndicator(WeightedMovingAverage(period: period), bars: Self.bars,
                        reference: NaiveIndicators.wma(Self.closes, period).map { [$0] }, warmUp: period)
    }

    @Test("SMA(3) of 1, 2, 3, 4 is NaN, NaN, 2, 3")
    func smaHandComputed() {
        var sma = SimpleMovingAverage(period: 3)
        sma.update(1)
        #expect(!sma.isReady && sma.value.isNaN)
        sma.update(2)
        #expect(!sma.isReady && sma.value.isNaN)
        sma.update(3)
        #expect(sma.isReady && sma.value == 2)
        sma.update(4)
        #expect(sma.value == 3)
    }

    @Test("EMA(3) of 1…5 seeded with the SMA is NaN, NaN, 2, 3, 4")
    func emaHandComputed() {
        var ema = ExponentialMovingAverage(period: 3)
        #expect(ema.alpha == 0.5)
        var values: [Double] = []
        for x in [1.0, 2, 3, 4, 5] {
            ema.update(x)
            values.append(ema.value)
        }
        #expect(values[0].isNaN && values[1].isNaN)
        #expect(Array(values[2...]) == [2, 3, 4])
        // A step: EMA(3) at 4 after a jump to 10 is 4 + 0.5·(10 − 4) = 7.
        ema.update(10)
        #expect(ema.value == 7)
    }

    @Test("WMA(3) of 1, 2, 3, 4 is (1+4+9)/6, then (2+6+12)/6")
    func wmaHandComputed() {
        var wma = WeightedMovingAverage(period: 3)
        wma.update(1)
        wma.update(2)
        #expect(!wma.isReady && wma.value.isNaN)
        wma.update(3)
        #expect(wma.isReady && wma.value == 14.0 / 6.0)
        wma.update(4)
        #expect(wma.value == 20.0 / 6.0)
    }

    @Test("Period 1 averages are the input itself")
    func periodOne() {
        var sma = SimpleMovingAverage(period: 1)
        var ema = ExponentialMovingAverage(period: 1)
        var wma = WeightedMovingAverage(period: 1)
        for x in Self.closes.prefix(100) {
            sma.update(x)
            ema.update(x)
            wma.update(x)
            #expect(sma.value == x && ema.value == x && wma.value == x)
        }
    }
}
