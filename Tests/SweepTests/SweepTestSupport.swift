import Foundation
@testable import Sweep
import TradingCore

/// Configs and data for the sweep tests: the offline `sim` exchange, so nothing is downloaded.
enum SweepFixtures {
    /// The issue's example config on sim data (2 months of 1h bars).
    static func issueExample(symbols: String = #"["BTC/USDT"]"#, extra: String = "") -> String {
        """
        {"strategy": "MovingAverageCross", "symbols": \(symbols), "timeframe": "1h",
         "exchange": "sim", "start": "2024-01-01", "end": "2024-03-01",
         "initial_cash": 10000, "commission": 0.001,
         "parameters": {"fast_period": {"from": 5, "to": 20, "step": 5}, "slow_period": [20, 30, 40, 60],
                        "stake": 1},
         "constraints": ["fast_period < slow_period"],
         "search": {"method": "grid"}, "objective": "sharpe_ratio"\(extra)}
        """
    }

    static func config(_ text: String, file: String? = "sweep.json") throws -> SweepConfig {
        try SweepConfig.parse(bytes: Array(text.utf8), file: file)
    }

    static func planner(_ text: String, maxCells: Int = SweepConfig.defaultMaxCells) async throws -> SweepPlanner {
        let config = try config(text)
        let data = try await SweepDataLoader.load(config)
        return try SweepPlanner(config: config, data: data, maxCells: maxCells)
    }

    /// The error a body throws (fails the test when it throws none or another type).
    static func error(_ body: () throws -> Void) -> SweepError? {
        do {
            try body()
        } catch let error as SweepError {
            return error
        } catch {
            return nil
        }
        return nil
    }

    static func error(_ body: () async throws -> Void) async -> SweepError? {
        do {
            try await body()
        } catch let error as SweepError {
            return error
        } catch {
            return nil
        }
        return nil
    }
}

/// A scratch directory removed by `cleanUp()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "sweep-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ text: String, to name: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}
