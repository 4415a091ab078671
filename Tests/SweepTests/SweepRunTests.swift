import Foundation
@testable import Sweep
import Testing
import TradingCore

@Suite("Sweep runs: engine parity, byte-identical plan → shards → merge, ask/tell, walk-forward")
struct SweepRunTests {
    @Test("a cell's metrics and final value equal runBacktest's (what `backtest --json` prints)")
    func cellEqualsBacktest() async throws {
        let planner = try await SweepFixtures.planner(SweepFixtures.issueExample())
        let cells = try planner.nextCells(history: [])
        let results = await SweepRunner.run(cells, config: planner.config, data: planner.data, jobs: 2)
        #expect(results.count == 15)
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        var traded = 0
        for (cell, result) in zip(cells, results) {
            #expect(result.id == cell.id)
            #expect(result.status == .ok)
            let configuration = BacktestConfiguration(
                strategyName: "MovingAverageCross", parameters: cell.parameters, symbols: [symbol], timeframe: .oneHour,
                initialCash: 10_000, commission: 0.001)
            let report = try runBacktest(configuration: configuration, bars: planner.data.bars).report
            let expected = try JSONValue.parse(Array(JSONEncoder().encode(report.performanceMetrics)))
            #expect(result.json["performance_metrics"] == expected)
            #expect(result.json["final_value"] == .double(report.finalValue))
            #expect(result.objective == report.performanceMetrics.sharpeRatio)
            #expect(result.totalTrades == report.performanceMetrics.totalTrades)
            traded += report.performanceMetrics.totalTrades
        }
        #expect(traded > 0)
        // The sweep's bars are the backtest's bars (sim over the same range).
        #expect(planner.data.bars[symbol]!.count == 60 * 24)
    }

    /// A distributed sweep in one process: ask for a plan, run its shards, tell the merged
    /// results, until ask has nothing more. Returns the final merge and each stage's cell count.
    static func askTell(_ planner: SweepPlanner, shards: Int) throws -> (JSONValue?, [Int]) {
        var history: JSONValue?
        var stages: [Int] = []
        while true {
            let results = try (history?["cells"]?.arrayValue ?? []).map { try CellResult(json: $0) }
            guard let plan = try SweepPlan.next(planner, history: results, shards: shards) else { break }
            stages.append(plan.cells.count)
            var inputs = try Self.runShards(plan, data: planner.data)
            if let history { inputs.insert(("history.json", history.canonicalBytes), at: 0) }
            history = try SweepMerger.merge(inputs)
        }
        return (history, stages)
    }

    /// Runs a plan the way `sweep run` does: plan JSON → parse → shard cells → results → shard file bytes.
    /// (The bars are the planner's: `sweep run` reloading the same sim range gets the same bars,
    /// which the data-hash check below confirms.)
    static func runShards(_ plan: SweepPlan, data: SweepDataSet, jobs: Int = 1) throws -> [(name: String, bytes: [UInt8])] {
        let reread = try SweepPlan(json: try JSONValue.parse(plan.json.canonicalBytes))
        var config = reread.config
        config.timeframe = reread.timeframe
        return try (0..<reread.shardCount).map { shard in
            let cells = reread.cells(ofShard: shard)
            #expect(cells.allSatisfy { data.dataHash($0.symbol, in: $0.window) == $0.dataHash })
            let results = SweepRunner.run(cells, config: config, data: data, jobs: jobs)
            return (name: "shard-\(shard).json", bytes: try SweepMerger.shardDocument(header: reread.header, shard: shard, results: results).canonicalBytes)
        }
    }

    @Test("plan → 3 shards (one retried) → merge is byte-identical to the local sweep")
    func byteIdentity() async throws {
        let text = SweepFixtures.issueExample(symbols: #"["BTC/USDT", "ETH/USDT"]"#)
        let planner = try await SweepFixtures.planner(text)
        let local = try await SweepSession.run(planner, jobs: 2).canonicalBytes
        let plan = try #require(try SweepPlan.next(planner, history: [], shards: 3))
        #expect(plan.cells.count == 30)
        #expect((0..<3).map { plan.cells(ofShard: $0).count } == [10, 10, 10])
        var shards = try Self.runShards(plan, data: planner.data)
        shards.append(shards[1])  // a retried shard: identical bytes merge cleanly
        let merged = try SweepMerger.merge(shards.reversed(), expected: Set(plan.cells.map(\.id)))
        #expect(merged.canonicalBytes == local)

        let document = try JSONValue.parse(local)
        let cells = try #require(document["cells"]?.arrayValue)
        #expect(cells.count == 30)
        let ids = cells.compactMap { $0["id"]?.stringValue }
        #expect(ids == ids.sorted())
        #expect(cells.allSatisfy { $0["performance_metrics"]?["sharpe_ratio"] != nil && $0["final_value"] != nil && $0["parameters"] != nil })
        let ranking = try #require(document["ranking"]?.arrayValue)
        let objectives = ranking.compactMap { $0["objective"]?.doubleValue }
        #expect(objectives == objectives.sorted(by: >))
        #expect(ranking.first?["rank"] == .int(1))
        #expect(document["best"]?.arrayValue?.count == min(10, ranking.count))
        #expect(document["best"]?.arrayValue?.first?["id"] == ranking.first?["id"])
        #expect(document["summary"] == .object(["cells": .int(30), "ok": .int(30), "failed": .int(0), "ranked": .int(ranking.count)]))
    }

    @Test("a duplicate cell that differs is a merge conflict; a missing shard is transient")
    func mergeErrors() async throws {
        let planner = try await SweepFixtures.planner(SweepFixtures.issueExample())
        let plan = try #require(try SweepPlan.next(planner, history: [], shards: 2))
        let shards = try Self.runShards(plan, data: planner.data)
        var tampered = try JSONValue.parse(shards[0].bytes).objectValue!
        var cells = tampered["cells"]!.arrayValue!
        var first = cells[0].objectValue!
        first["final_value"] = .double(1)
        cells[0] = .object(first)
        tampered["cells"] = .array(cells)
        let conflict = try #require(SweepFixtures.error {
            _ = try SweepMerger.merge(shards + [("tampered.json", JSONValue.object(tampered).canonicalBytes)])
        })
        #expect(conflict.code == "SWEEP_MERGE_CONFLICT")
        #expect(conflict.exitStatus == 65)
        #expect(conflict.message.hasPrefix("cell \(first["id"]!.stringValue!) appears twice with different results"))

        let missing = try #require(SweepFixtures.error { _ = try SweepMerger.merge([shards[0]], expected: Set(plan.cells.map(\.id))) })
        #expect(missing.code == "SWEEP_SHARDS_MISSING")
        #expect(missing.exitStatus == 75)
    }

    @Test("cells the strategy rejects are recorded as failed, not ranked")
    func failedCells() async throws {
        // Without the constraint, fast 20 / slow 20 breaks MovingAverageCross's fast < slow rule.
        let text = SweepFixtures.issueExample().replacingOccurrences(of: #""constraints": ["fast_period < slow_period"],"#, with: "")
        let planner = try await SweepFixtures.planner(text)
        let document = try await SweepSession.run(planner, jobs: 2)
        #expect(document["summary"]?["cells"] == .int(16))
        #expect(document["summary"]?["failed"] == .int(1))
        let failed = try #require(document["cells"]?.arrayValue?.first { $0["status"] == .string("failed") })
        #expect(failed["parameters"] == .object(["fast_period": .int(20), "slow_period": .int(20), "stake": .int(1)]))
        #expect(failed["error"]?["code"] == .string("INVALID_STRATEGY_PARAMS"))
        #expect(failed["objective"] == .null)
        #expect(!(document["ranking"]?.arrayValue ?? []).contains { $0["id"] == failed["id"] })
    }

    static let tpe = SweepPlannerTests.sampled.replacingOccurrences(
        of: #""method": "grid""#, with: #""method": "tpe", "samples": 20, "batch_size": 6, "startup": 6, "seed": 3"#)

    @Test("TPE: deterministic given the seed, independent of the worker count, and ask/tell gives the local result")
    func tpeDeterminism() async throws {
        let planner = try await SweepFixtures.planner(Self.tpe)
        let one = try await SweepSession.run(planner, jobs: 1).canonicalBytes
        let two = try await SweepSession.run(planner, jobs: 2).canonicalBytes
        #expect(one == two)
        let document = try JSONValue.parse(one)
        #expect(document["cells"]?.arrayValue?.count == 20)
        let points = Set((document["cells"]?.arrayValue ?? []).map { $0["parameters"]!.canonicalText })
        #expect(points.count == 20)

        // Distributed: ask → run 2 shards → tell, until ask has nothing more; batches of 6, 6, 6, 2.
        let (history, batches) = try Self.askTell(planner, shards: 2)
        #expect(batches == [6, 6, 6, 2])
        #expect(history?.canonicalBytes == one)
    }

    static let walkForward = SweepFixtures.issueExample(
        symbols: #"["BTC/USDT", "ETH/USDT"]"#,
        extra: #", "walk_forward": {"mode": "rolling", "train": "20d", "test": "10d", "holdout": "10d", "top_k": 2}"#)

    @Test("walk-forward: folds, top-k out of sample, holdout, stitched equity — local equals staged shards")
    func walkForwardRun() async throws {
        let planner = try await SweepFixtures.planner(Self.walkForward)
        // 60 days, holdout 10: folds train [10i, 10i+20) test [10i+20, 10i+30) while ≤ 50 → 3 folds.
        #expect(planner.folds?.folds.count == 3)
        let local = try await SweepSession.run(planner, jobs: 2)

        let (history, stages) = try Self.askTell(planner, shards: 3)
        // Stage 1: 15 points × 2 symbols × 3 folds; stage 2: top-2 × 2 symbols × 3 folds + 2 holdouts.
        #expect(stages == [90, 14])
        #expect(history?.canonicalBytes == local.canonicalBytes)

        let report = try #require(local["walk_forward"]?["symbols"]?["BTC/USDT"])
        let folds = try #require(report["folds"]?.arrayValue)
        #expect(folds.count == 3)
        #expect(folds[0]["train"] == .object(["start": .string("2024-01-01T00:00:00.000Z"), "end": .string("2024-01-21T00:00:00.000Z")]))
        #expect(folds[0]["test"] == .object(["start": .string("2024-01-21T00:00:00.000Z"), "end": .string("2024-01-31T00:00:00.000Z")]))
        #expect(folds[2]["test"]?["end"] == .string("2024-02-20T00:00:00.000Z"))
        #expect(local["walk_forward"]?["holdout_window"] == .object(["start": .string("2024-02-20T00:00:00.000Z"), "end": .string("2024-03-01T00:00:00.000Z")]))
        for fold in folds {
            #expect(fold["chosen"]?.arrayValue?.count == 2)
            #expect(fold["out_of_sample"]?.arrayValue?.count == 2)
            // The OOS best is the IS best's point.
            #expect(fold["out_of_sample"]?.arrayValue?.first?["parameters"] == fold["in_sample"]?["parameters"])
        }
        let holdout = try #require(report["holdout"])
        #expect(holdout["parameters"] == folds[2]["in_sample"]?["parameters"])
        let stitched = try #require(report["stitched_equity"]?.arrayValue)
        #expect(!stitched.isEmpty)
        let times = stitched.compactMap { $0.arrayValue?[0].intValue }
        #expect(times == times.sorted() && Set(times).count == times.count)
        #expect(report["parameter_stability"]?["fast_period"]?["values"]?.arrayValue?.count == 3)
        // Efficiency is the ratio of the fold means when the IS mean is positive.
        if let isMean = report["in_sample_mean_objective"]?.doubleValue, let oosMean = report["out_of_sample_mean_objective"]?.doubleValue, isMean > 0 {
            #expect(report["walk_forward_efficiency"] == .double(oosMean / isMean))
        }
    }

    static let walkForwardTPE = SweepFixtures.issueExample(
        symbols: #"["BTC/USDT", "ETH/USDT"]"#,
        extra: #", "walk_forward": {"mode": "rolling", "train": "20d", "test": "10d", "holdout": "10d", "top_k": 2}"#
    ).replacingOccurrences(of: #""method": "grid""#, with: #""method": "tpe", "samples": 7, "batch_size": 4, "startup": 4, "seed": 11"#)

    @Test("walk-forward with TPE: each fold optimised on its own, in batches; local equals ask/tell, any worker count")
    func walkForwardTPERun() async throws {
        let planner = try await SweepFixtures.planner(Self.walkForwardTPE)
        #expect(planner.folds?.folds.count == 3)
        let local = try await SweepSession.run(planner, jobs: 2)
        #expect(try await SweepSession.run(planner, jobs: 1).canonicalBytes == local.canonicalBytes)

        let (history, stages) = try Self.askTell(planner, shards: 3)
        // In sample: batches of 4 then 3 points per fold (7 samples) × 2 symbols × 3 folds;
        // then top-2 × 2 symbols × 3 folds out of sample + 2 holdouts.
        #expect(stages == [24, 18, 14])
        #expect(history?.canonicalBytes == local.canonicalBytes)

        let cells = try #require(local["cells"]?.arrayValue)
        for fold in 0..<3 {
            for symbol in ["BTC/USDT", "ETH/USDT"] {
                let mine = cells.filter { $0["role"] == .string("in_sample") && $0["fold"] == .int(fold) && $0["symbol"] == .string(symbol) }
                #expect(mine.count == 7)
                #expect(Set(mine.map { $0["parameters"]!.canonicalText }).count == 7)
                // Every point meets the constraint.
                for cell in mine {
                    #expect(cell["parameters"]!["fast_period"]!.intValue! < cell["parameters"]!["slow_period"]!.intValue!)
                }
            }
        }
        // The first batch is the seeded startup draw, the same for every fold (same history size);
        // the second batch of each fold comes from that fold's own results.
        let report = try #require(local["walk_forward"]?["symbols"]?["BTC/USDT"])
        let folds = try #require(report["folds"]?.arrayValue)
        #expect(folds.count == 3)
        for (index, fold) in folds.enumerated() {
            #expect(fold["chosen"]?.arrayValue?.count == 2)
            // The chosen points are this fold's in-sample top 2 (objective, then id).
            let ranked = cells.filter { $0["role"] == .string("in_sample") && $0["fold"] == .int(index) && $0["symbol"] == .string("BTC/USDT") && $0["objective"] != .null }
                .sorted { a, b in
                    let x = a["objective"]!.doubleValue!, y = b["objective"]!.doubleValue!
                    return x != y ? x > y : a["id"]!.stringValue! < b["id"]!.stringValue!
                }
            #expect(fold["chosen"]?.arrayValue == Array(ranked.prefix(2)).map { $0["parameters"]! })
            #expect(fold["out_of_sample"]?.arrayValue?.first?["parameters"] == fold["in_sample"]?["parameters"])
        }
        #expect(report["holdout"]?["parameters"] == folds[2]["in_sample"]?["parameters"])
    }

    @Test("walk-forward with TPE counts toward the cell cap before anything runs")
    func walkForwardTPECap() async throws {
        // (7 × 2 in sample + 2 × 2 out of sample) × 3 folds + 2 holdouts = 56 cells.
        let error = await SweepFixtures.error { _ = try await SweepFixtures.planner(Self.walkForwardTPE, maxCells: 55) }
        #expect(error?.code == "SWEEP_TOO_MANY_CELLS")
        #expect(error?.message == "the sweep has 56 cells, more than the cap of 55; narrow the parameters or raise --max-cells")
        #expect(try await SweepFixtures.planner(Self.walkForwardTPE, maxCells: 56).folds?.folds.count == 3)
    }
}

