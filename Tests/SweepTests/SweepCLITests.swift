import Foundation
import Testing

/// The built `cracktrader` binary end to end: `sweep CONFIG --json`, `sweep plan` → `sweep run`
/// per shard → `sweep merge`, parity with `backtest --json`, and exit statuses. Skipped (with a
/// note) when `.build/debug/cracktrader` has not been built.
@Suite("Sweep CLI end to end (the built binary)")
struct SweepCLITests {
    static var binary: String? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let candidate = url.appendingPathComponent(".build/debug/cracktrader").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Runs the binary to completion; returns (exit status, stdout).
    static func run(_ binary: String, _ arguments: [String], in directory: String) throws -> (Int32, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    static let yamlConfig = """
        # The issue's example, in YAML, on two sim markets.
        strategy: MovingAverageCross
        symbols: [BTC/USDT, ETH/USDT]
        timeframe: 1h
        exchange: sim
        start: "2024-01-01"
        end: "2024-03-01"
        parameters:
          fast_period: {from: 5, to: 20, step: 5}
          slow_period: [20, 30, 40, 60]
          stake: 1
        constraints:
          - fast_period < slow_period
        search:
          method: grid
        objective: sharpe_ratio
        top: 3
        """

    @Test("local --json equals plan → 3 shards (one run twice) → merge, byte for byte; a cell equals backtest --json")
    func planRunMerge() throws {
        guard let binary = Self.binary else {
            print("SweepCLITests skipped: no built .build/debug/cracktrader binary (run swift build first)")
            return
        }
        let directory = try ScratchDirectory()
        defer { directory.cleanUp() }
        _ = try directory.write(Self.yamlConfig, to: "sweep.yaml")

        let (status, local) = try Self.run(binary, ["sweep", "sweep.yaml", "--json", "--quiet", "--jobs", "2", "--csv", "cells.csv"], in: directory.path)
        #expect(status == 0)
        #expect(try Self.run(binary, ["sweep", "plan", "sweep.yaml", "--shards", "3", "-o", "plan.json"], in: directory.path).0 == 0)
        for shard in [0, 1, 2, 1] {
            #expect(try Self.run(binary, ["sweep", "run", "--plan", "plan.json", "--shard", String(shard), "-o", "out", "--jobs", "1"], in: directory.path).0 == 0)
        }
        #expect(try Self.run(binary, ["sweep", "merge", "out", "--plan", "plan.json", "-o", "merged.json"], in: directory.path).0 == 0)
        let merged = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/merged.json"))
        #expect(merged == local)

        let document = try #require(try JSONSerialization.jsonObject(with: local) as? [String: Any])
        let cells = try #require(document["cells"] as? [[String: Any]])
        #expect(cells.count == 30)
        #expect((document["best"] as? [Any])?.count == 3)
        let csv = try String(contentsOfFile: directory.path + "/cells.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 31)
        #expect(csv.hasPrefix("id,symbol,role,fold,window_start,window_end,status,objective,fast_period,slow_period,stake,avg_loss,"))

        // The cell fast 15 / slow 60 on BTC/USDT equals `backtest --json` with the same parameters.
        let cell = try #require(cells.first { ($0["symbol"] as? String) == "BTC/USDT" && ($0["parameters"] as? [String: Int]) == ["fast_period": 15, "slow_period": 60, "stake": 1] })
        let (backtestStatus, backtest) = try Self.run(binary, [
            "backtest", "--strategy", "MovingAverageCross", "--symbol", "BTC/USDT", "--timeframe", "1h", "--start", "2024-01-01",
            "--end", "2024-03-01", "--param", "fast_period=15", "--param", "slow_period=60", "--param", "stake=1", "--json", "--no-stats",
        ], in: directory.path)
        #expect(backtestStatus == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: backtest) as? [String: Any])
        #expect(NSDictionary(dictionary: try #require(report["performance_metrics"] as? [String: Any])).isEqual(to: try #require(cell["performance_metrics"] as? [String: Any])))
        #expect((report["final_value"] as? Double) == (cell["final_value"] as? Double))
    }

    @Test("exit statuses: 65 for a bad config or an over-cap sweep, 65 for a merge conflict, 75 for missing shards")
    func exitStatuses() throws {
        guard let binary = Self.binary else {
            print("SweepCLITests skipped: no built .build/debug/cracktrader binary (run swift build first)")
            return
        }
        let directory = try ScratchDirectory()
        defer { directory.cleanUp() }
        _ = try directory.write(Self.yamlConfig, to: "sweep.yaml")
        _ = try directory.write(Self.yamlConfig.replacingOccurrences(of: "stake: 1", with: "stake: 1\n  bogus: 3"), to: "bad.yaml")
        #expect(try Self.run(binary, ["sweep", "bad.yaml"], in: directory.path).0 == 65)
        #expect(try Self.run(binary, ["sweep", "sweep.yaml", "--max-cells", "29", "--quiet"], in: directory.path).0 == 65)
        #expect(try Self.run(binary, ["sweep", "missing.yaml"], in: directory.path).0 == 65)

        #expect(try Self.run(binary, ["sweep", "plan", "sweep.yaml", "--shards", "2", "-o", "plan.json"], in: directory.path).0 == 0)
        #expect(try Self.run(binary, ["sweep", "run", "--plan", "plan.json", "--shard", "0", "-o", "out"], in: directory.path).0 == 0)
        #expect(try Self.run(binary, ["sweep", "run", "--plan", "plan.json", "--shard", "5", "-o", "out"], in: directory.path).0 == 65)
        #expect(try Self.run(binary, ["sweep", "merge", "out", "--plan", "plan.json", "-o", "merged.json"], in: directory.path).0 == 75)
        // A retried shard whose bytes differ: conflict.
        let shard = directory.path + "/out/shard-00000.json"
        let text = try String(contentsOfFile: shard, encoding: .utf8)
        let tampered = text.replacingOccurrences(of: #""status":"ok""#, with: #""status":"failed""#)
        #expect(tampered != text)
        try tampered.write(toFile: directory.path + "/out/shard-00000-retry.json", atomically: true, encoding: .utf8)
        #expect(try Self.run(binary, ["sweep", "merge", "out", "-o", "merged.json"], in: directory.path).0 == 65)
    }
}
