import ArgumentParser
import Sweep
import TradingCore

/// `cracktrader bench`'s sweep rows: cells per second on every core for 1,000 cells × 100,000
/// bars and 100 cells × `--bars` bars (MovingAverageCross grids), against one core's speed on a
/// single cell, so the cost around the engine and the parallel efficiency show.
extension BenchCommand {
    func sweepRows(series: [Bar]) throws -> [(String, String)] {
        let cores = ProcessorCount.online
        var rows: [(String, String)] = []
        let cases = [(cells: 1_000, bars: min(series.count, 100_000), fast: 50, slow: 20), (cells: 100, bars: series.count, fast: 10, slow: 10)]
        for bench in cases where bench.bars > 0 {
            let slice = Array(series.prefix(bench.bars))
            let text = """
                {"strategy": "MovingAverageCross", "symbols": ["BTC/USDT"], "timeframe": "1m", "data": "bench.csv",
                 "parameters": {"fast_period": {"from": 1, "to": \(bench.fast)}, "slow_period": {"from": 51, "to": \(50 + bench.slow)}}}
                """
            let config: SweepConfig
            let cells: [SweepCell]
            let data = SweepDataSet(timeframe: .oneMinute, bars: [try TradingSymbol(parsing: "BTC/USDT"): slice])
            do {
                config = try SweepConfig.parse(bytes: Array(text.utf8))
                cells = try SweepPlanner(config: config, data: data).nextCells(history: [])
            } catch {
                throw ValidationError("bench sweep config: \(error.description)")
            }
            // One core, one cell: the reference speed (best of --repeat).
            let single = try best { _ = SweepRunner.run([cells[0]], config: config, data: data, jobs: 1) }
            let clock = ContinuousClock()
            let started = clock.now
            let results = SweepRunner.run(cells, config: config, data: data, jobs: cores)
            let seconds = Self.seconds(clock.now - started)
            guard results.allSatisfy({ $0.status == .ok }) else { throw ValidationError("bench sweep: a cell failed") }
            let cellsPerSecond = Double(cells.count) / seconds
            let ideal = Double(cores) / single
            let label = "sweep: \(cells.count) cells × \(bench.bars) bars, \(cores) cores"
            rows.append((label, Self.fixed(cellsPerSecond, 1) + " cells/s (" + Self.millions(cellsPerSecond * Double(bench.bars)) + " M bars/s)"))
            rows.append(("sweep: one cell on one core, \(bench.bars) bars", Self.milliseconds(single)))
            rows.append(("sweep: efficiency vs cores × one-core speed", Self.fixed(100 * cellsPerSecond / ideal, 1) + " %"))
        }
        return rows
    }
}
