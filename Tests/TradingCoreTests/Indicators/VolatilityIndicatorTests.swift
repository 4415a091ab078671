import Testing
@testable import TradingCore

@Suite("Volatility indicators")
struct VolatilityIndicatorTests {
    static let bars = IndicatorFixtures.bars(count: 5_000, seed: 4)
    static let closes = bars.map(\.close)

    @Test("Standard deviation matches the naive two-pass window at every bar", arguments: [1, 2, 3, 20, 100])
    func standardDeviationAgainstReference(period: Int) {
        verifyIndicator(StandardDeviation(period: period), bars: Self.bars,
                        reference: NaiveIndicators.standardDeviation(Self.closes, period).map { [$0] },
                        warmUp: period)
    }

    @Test("Bollinger Bands match the naive window at every bar",
          arguments: [(20, 2.0), (1, 2.0), (2, 1.5), (50, 3.0), (10, 0.0)])
    func bollingerAgainstReference(parameters: (Int, Double)) {
        let (period, width) = parameters
        verifyIndicator(BollingerBands(period: period, standardDeviations: width), bars: Self.bars,
                        reference: NaiveIndicators.bollinger(Self.closes, period, width), warmUp: period)
    }

    @Test("ATR matches the textbook Wilder ATR at every bar", arguments: [1, 2, 14, 50])
    func atrAgainstReference(period: Int) {
        verifyIndicator(AverageTrueRange(period: period), bars: Self.bars,
                        reference: NaiveIndicators.atr(Self.bars, period).map { [$0] }, warmUp: period)
    }

    @Test("Donchian channel matches the naive window scan at every bar", arguments: [1, 2, 3, 20, 55])
    func donchianAgainstReference(period: Int) {
        verifyIndicator(DonchianChannel(period: period), bars: Self.bars,
                        reference: NaiveIndicators.donchian(Self.bars, period), warmUp: period)
    }

    @Test("Donchian on a monotonic and a saw-tooth series (deque eviction paths)")
    func donchianPatterns() {
        let rising = (0..<300).map { Double($0) }
        let falling = rising.reversed().map { $0 }
        let saw = (0..<300).map { Double(($0 * 7) % 11) }
        let repeated = (0..<300).map { Double($0 / 10 % 3) }
        for series in [rising, falling, saw, repeated] {
            let bars = series.map { Bar(openTime: 0, open: $0, high: $0 + 1, low: $0 - 1, close: $0, volume: 0) }
            for period in [1, 4, 10] {
                verifyIndicator(DonchianChannel(period: period), bars: bars,
                                reference: NaiveIndicators.donchian(bars, period), warmUp: period,
                                tolerance: 0)
            }
        }
    }

    @Test("Population standard deviation of 2, 4, 4, 4, 5, 5, 7, 9 is exactly 2; Bollinger(8, 2) is 5 ± 4")
    func handComputed() {
        var sd = StandardDeviation(period: 8)
        var bb = BollingerBands(period: 8, standardDeviations: 2)
        for x in [2.0, 4, 4, 4, 5, 5, 7] {
            sd.update(x)
            bb.update(x)
            #expect(!sd.isReady && sd.value.isNaN && bb.middle.isNaN && bb.upper.isNaN && bb.lower.isNaN)
        }
        sd.update(9)
        bb.update(9)
        #expect(sd.isReady && sd.value == 2)
        #expect(bb.isReady && bb.middle == 5 && bb.upper == 9 && bb.lower == 1)
        // Slide: 4, 4, 4, 5, 5, 7, 9, 4 → mean 5.25, Σ(x − mean)² = 4·1.5625 + 2·0.0625 + 3.0625 + 14.0625 = 23.5
        sd.update(4)
        #expect(indicatorClose(sd.value, (23.5 / 8).squareRoot(), tolerance: 1e-14))
        // Bollinger defaults.
        let defaults = BollingerBands()
        #expect(defaults.period == 20 && defaults.standardDeviations == 2)
    }

    @Test("ATR(2) by hand: first TR is high − low, gaps use the previous close")
    func atrHandComputed() {
        var atr = AverageTrueRange(period: 2)
        atr.update(high: 10, low: 8, close: 9)  // TR 2
        #expect(!atr.isReady && atr.value.isNaN)
        atr.update(high: 11, low: 9, close: 10)  // TR max(2, 2, 0) = 2 → ATR 2
        #expect(atr.isReady && atr.value == 2)
        atr.update(high: 15, low: 12, close: 14)  // gap up: TR max(3, 5, 2) = 5 → (2 + 5)/2
        #expect(atr.value == 3.5)
        atr.update(high: 9, low: 7, close: 8)  // gap down: TR max(2, 5, 7) = 7 → (3.5 + 7)/2
        #expect(atr.value == 5.25)
        #expect(AverageTrueRange().period == 14)
    }

    @Test("Donchian(3) by hand")
    func donchianHandComputed() {
        var channel = DonchianChannel(period: 3)
        channel.update(high: 10, low: 5)
        channel.update(high: 12, low: 7)
        #expect(!channel.isReady && channel.upper.isNaN && channel.lower.isNaN && channel.middle.isNaN)
        channel.update(high: 11, low: 6)
        #expect(channel.isReady && channel.upper == 12 && channel.lower == 5 && channel.middle == 8.5)
        channel.update(high: 9, low: 8)  // window: (12,7) (11,6) (9,8)
        #expect(channel.upper == 12 && channel.lower == 6)
        channel.update(high: 9, low: 8)  // window: (11,6) (9,8) (9,8)
        #expect(channel.upper == 11 && channel.lower == 6)
        channel.update(high: 9, low: 8)  // window: (9,8) ×3
        #expect(channel.upper == 9 && channel.lower == 8 && channel.middle == 8.5)
    }

    @Test("A window that goes flat has a standard deviation of exactly 0, then recovers")
    func flatWindow() {
        var closes = IndicatorFixtures.closes(count: 200, seed: 5, start: 30_000, flatProbability: 0)
        closes += Array(repeating: closes.last!, count: 60)
        // Tiny moves around a large level: the hardest case for running sums.
        var random = IndicatorTestRandom(seed: 6)
        for _ in 0..<200 { closes.append(closes.last! * (1 + 1e-9 * random.symmetric())) }
        closes += IndicatorFixtures.closes(count: 200, seed: 7, start: closes.last!, flatProbability: 0)
        let bars = IndicatorFixtures.bars(closes: closes)
        for period in [2, 20, 50] {
            verifyIndicator(StandardDeviation(period: period), bars: bars,
                            reference: NaiveIndicators.standardDeviation(closes, period).map { [$0] },
                            warmUp: period)
            verifyIndicator(BollingerBands(period: period), bars: bars,
                            reference: NaiveIndicators.bollinger(closes, period, 2), warmUp: period)
            var sd = StandardDeviation(period: period)
            for x in closes.prefix(260) { sd.update(x) }
            #expect(sd.value == 0)
        }
    }
}
