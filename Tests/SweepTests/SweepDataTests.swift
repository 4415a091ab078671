import Foundation
@testable import Sweep
import Testing
import TradingCore

@Suite("Sweep data: CSV loading like backtest, windows, memory budget")
struct SweepDataTests {
    @Test("a CSV next to the config loads as backtest loads it (timeframe inferred, start/end filter)")
    func csvData() async throws {
        let directory = try ScratchDirectory()
        defer { directory.cleanUp() }
        var csv = "timestamp,open,high,low,close,volume\n"
        let start: Int64 = 1_704_067_200_000  // 2024-01-01
        for i in 0..<300 {
            let price = 100 + 10 * sin(Double(i) / 9)
            csv += "\(start + Int64(i) * 900_000),\(price),\(price + 1),\(price - 1),\(price + 0.5),10\n"
        }
        _ = try directory.write(csv, to: "candles.csv")
        let text = """
            {"strategy": "MovingAverageCross", "symbols": ["BTC/USD"], "data": "candles.csv", "start": "2024-01-01T01:00:00Z",
             "parameters": {"fast_period": [3, 5], "slow_period": [20, 30]}}
            """
        let path = try directory.write(text, to: "sweep.json")
        let config = try SweepConfig.parse(bytes: Array(text.utf8), file: path, baseDirectory: directory.path)
        let data = try await SweepDataLoader.load(config)
        #expect(data.timeframe == .fifteenMinutes)
        let symbol = try TradingSymbol(parsing: "BTC/USD")
        let bars = try #require(data.bars[symbol])
        // 300 bars from 00:00, the first four (before 01:00) dropped.
        #expect(bars.count == 296)
        #expect(bars.first?.openTime == start + 3_600_000)
        #expect(data.fullWindow(symbol) == SweepWindow(start: start + 3_600_000, end: start + 300 * 900_000))

        let planner = try SweepPlanner(config: config, data: data)
        let results = await SweepRunner.run(try planner.nextCells(history: []), config: config, data: data, jobs: 2)
        #expect(results.count == 4)
        for result in results {
            let configuration = BacktestConfiguration(strategyName: "MovingAverageCross", parameters: result.parameters,
                                                      symbols: [symbol], timeframe: .fifteenMinutes)
            let report = try runBacktest(configuration: configuration, bars: [symbol: bars]).report
            #expect(result.json["performance_metrics"] == (try JSONValue.parse(Array(JSONEncoder().encode(report.performanceMetrics)))))
        }

        let missing = try SweepConfig.parse(bytes: Array(text.replacingOccurrences(of: "candles.csv", with: "nope.csv").utf8), file: path, baseDirectory: directory.path)
        let error = try #require(await SweepFixtures.error { _ = try await SweepDataLoader.load(missing) })
        #expect(error.kind == .config)
        #expect(error.field == "data")
        let inShard = try #require(await SweepFixtures.error { _ = try await SweepDataLoader.load(missing, readFailure: .transient) })
        #expect(inShard.exitStatus == 75)
    }

    @Test("window slices and data hashes")
    func windows() async throws {
        let planner = try await SweepFixtures.planner(SweepFixtures.issueExample())
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        let day: Int64 = 86_400_000
        let start: Int64 = 1_704_067_200_000
        let window = SweepWindow(start: start + day, end: start + 2 * day)
        #expect(planner.data.barCount(symbol, in: window) == 24)
        #expect(planner.data.bars(symbol, in: window).first?.openTime == start + day)
        #expect(planner.data.dataHash(symbol, in: window) != planner.data.dataHash(symbol, in: SweepWindow(start: start, end: start + day)))
        #expect(planner.data.dataHash(symbol, in: window) == planner.data.dataHash(symbol, in: window))
    }

    @Test("the memory budget caps the worker count, and refuses a budget below one worker")
    func memoryBudget() async throws {
        let planner = try await SweepFixtures.planner(SweepFixtures.issueExample())
        let cells = try planner.nextCells(history: [])
        // 1440 bars: shared 2 × 1440 × 48 bytes = 138,240; one worker 1440 × 32 = 46,080.
        #expect(planner.data.sharedBytes == 1_440 * MemoryLayout<Bar>.stride)
        #expect(try SweepRunner.workers(requested: 8, data: planner.data, cells: cells, budget: nil) == 8)
        #expect(try SweepRunner.workers(requested: 8, data: planner.data, cells: cells, budget: 138_240 + 3 * 46_080) == 3)
        let error = try #require(SweepFixtures.error { _ = try SweepRunner.workers(requested: 8, data: planner.data, cells: cells, budget: 100_000) })
        #expect(error.field == "--memory-budget")
    }
}
