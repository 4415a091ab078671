import Testing
@testable import TradingCore

@Suite("Progress snapshots")
struct ProgressSnapshotTests {
    final class Recorder: @unchecked Sendable {
        var snapshots: [BacktestProgress] = []
        var counts: [(Int, Int)] = []
    }

    @Test("every check interval reports bars, cash, value and closed trades exactly as the run has them")
    func singleSymbol() throws {
        let bars = Fixtures.regimeWalk(count: 20_000)
        let config = BacktestConfiguration(
            strategyName: "MovingAverageCross", parameters: ["fast_period": .int(5), "slow_period": .int(20)],
            symbols: [Fixtures.btc], timeframe: .oneHour)
        let recorder = Recorder()
        let result = try runBacktest(
            configuration: config, bars: [Fixtures.btc: bars],
            progress: { recorder.counts.append(($0, $1)) }, snapshot: { recorder.snapshots.append($0) })
        let snapshots = recorder.snapshots
        #expect(snapshots.map(\.barsProcessed) == [8_192, 16_384, 20_000])
        #expect(recorder.counts.map(\.0) == [8_192, 16_384, 20_000])
        #expect(snapshots.allSatisfy { $0.totalBars == 20_000 })
        let equity = result.output.equity
        for snapshot in snapshots {
            #expect(snapshot.value == equity.values[snapshot.barsProcessed - 1])
            #expect(snapshot.cash == equity.cash(at: snapshot.barsProcessed - 1))
        }
        let last = try #require(snapshots.last)
        #expect(last.closedTrades == result.report.performanceMetrics.totalTrades)
        #expect(last.closedTrades > 0)
        #expect(snapshots[0].closedTrades <= snapshots[1].closedTrades && snapshots[1].closedTrades <= last.closedTrades)
    }

    @Test("several symbols: the last snapshot is the final account")
    func merged() throws {
        let eth = try TradingSymbol(parsing: "ETH/USDT")
        let bars = Fixtures.regimeWalk(count: 10_000)
        let config = BacktestConfiguration(strategyName: "BuyAndHold", symbols: [Fixtures.btc, eth], timeframe: .oneHour)
        let recorder = Recorder()
        let result = try runBacktest(
            configuration: config, bars: [Fixtures.btc: bars, eth: bars], snapshot: { recorder.snapshots.append($0) })
        let last = try #require(recorder.snapshots.last)
        #expect(last.barsProcessed == 20_000 && last.totalBars == 20_000)
        #expect(last.value == result.output.equity.values.last)
        #expect(recorder.snapshots.count == 3)
    }

    @Test("no listener: nothing is reported and results are identical")
    func noListener() throws {
        let bars = Fixtures.regimeWalk(count: 5_000)
        let config = BacktestConfiguration(strategyName: "MeanReversion", symbols: [Fixtures.btc], timeframe: .oneHour)
        let plain = try runBacktest(configuration: config, bars: [Fixtures.btc: bars])
        let observed = try runBacktest(configuration: config, bars: [Fixtures.btc: bars], snapshot: { _ in })
        #expect(plain.report.jsonData() == observed.report.jsonData())
    }
}
