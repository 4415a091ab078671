import Testing
@testable import TradingCore

@Suite("Feed merge and multi-symbol runs")
struct MergedFeedTests {
    @Test func mergesByTimeThenSeriesOrder() {
        let a = [Fixtures.bar(0, open: 1, high: 1, low: 1, close: 1), Fixtures.bar(2, open: 1, high: 1, low: 1, close: 1)]
        let b = [Fixtures.bar(0, open: 2, high: 2, low: 2, close: 2), Fixtures.bar(1, open: 2, high: 2, low: 2, close: 2),
                 Fixtures.bar(2, open: 2, high: 2, low: 2, close: 2)]
        var feed = MergedFeed(series: [a, b])
        var seen: [String] = []
        while let element = feed.next() { seen.append("\(element.series):\(element.index)") }
        #expect(seen == ["0:0", "1:0", "1:1", "0:1", "1:2"])
        #expect(MergedFeed(series: [a, b]).totalCount == 5)
    }

    @Test func symbolsAreOrderedAlphabeticallyAndEquityPerTimestamp() throws {
        let eth = Fixtures.flatBars([100, 100, 100, 100])
        let btc = Fixtures.flatBars([50, 50, 50, 50])
        // Listed ETH first; the engine sorts: BTC/USDT is symbol 0.
        let config = BacktestConfiguration(strategyName: "BuyAndHold", symbols: [Fixtures.eth, Fixtures.btc], timeframe: .oneHour, commission: 0)
        let result = try runBacktest(configuration: config, bars: [Fixtures.eth: eth, Fixtures.btc: btc])
        #expect(result.output.symbols == [Fixtures.btc, Fixtures.eth])
        #expect(result.output.equity.count == 4)
        #expect(result.output.barsProcessed == 8)
        // Equal-weight buy and hold: 5,000 each at the second bar's open.
        let positions = result.output.account.positions
        #expect(positions[0].quantity == 100 && positions[1].quantity == 50)
        #expect(result.report.orders.map(\.symbol) == ["BTC/USDT", "ETH/USDT"])
        #expect(result.report.finalValue == 10_000)
    }

    @Test func missingBarsAndBadDataAreErrors() {
        let config = BacktestConfiguration(strategyName: "BuyAndHold", symbols: [Fixtures.btc], timeframe: .oneHour)
        #expect(throws: TradingError.self) { try runBacktest(configuration: config, bars: [:]) }
        let unordered = [Fixtures.bar(1, open: 1, high: 1, low: 1, close: 1), Fixtures.bar(0, open: 1, high: 1, low: 1, close: 1)]
        do {
            _ = try runBacktest(configuration: config, bars: [Fixtures.btc: unordered])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidData)
        }
        var bad = config
        bad.initialCash = -1
        do {
            _ = try runBacktest(configuration: bad, bars: [Fixtures.btc: Fixtures.flatBars([1])])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidConfiguration)
        }
    }

    @Test func cooperativeStopAndProgress() throws {
        let bars = Fixtures.regimeWalk(count: 50_000)
        let config = BacktestConfiguration(strategyName: "MovingAverageCross", symbols: [Fixtures.btc], timeframe: .oneHour)
        nonisolated(unsafe) var calls: [Int] = []
        let result = try runBacktest(configuration: config, bars: [Fixtures.btc: bars],
                                     progress: { done, total in calls.append(done); #expect(total == 50_000) },
                                     shouldStop: { calls.count >= 2 })
        #expect(result.report.status == .stopped)
        #expect(result.output.barsProcessed == 2 * BacktestEngine.checkInterval)
        #expect(result.output.equity.count == result.output.barsProcessed)
        #expect(calls == [BacktestEngine.checkInterval, 2 * BacktestEngine.checkInterval])
    }
}
