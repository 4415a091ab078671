import Foundation
import MarketData
import PineScript
import Storage
@testable import Sweep
import Testing
import TradingCore

/// Pine scripts as sweep strategies (`"script": "cross.pine"`): the cells equal the server's
/// script backtest, inputs are validated like `backtest --script --input`, ids follow the source.
@Suite("Sweeps of Pine scripts: server parity, input validation, identity, determinism")
struct SweepScriptTests {
    /// A moving-average cross with two int inputs (the server tests' script).
    static let cross = """
    //@version=5
    strategy("SMA Cross", overlay=true, initial_capital=10000, default_qty_type=strategy.percent_of_equity, default_qty_value=50)
    fastLength = input.int(10, "Fast length", minval=1, maxval=200)
    slowLength = input.int(30, "Slow length", minval=2, step=5)
    fast = ta.sma(close, fastLength)
    slow = ta.sma(close, slowLength)
    plot(fast, "Fast SMA")
    plot(slow, "Slow SMA")
    if ta.crossover(fast, slow)
        strategy.entry("Long", strategy.long)
    if ta.crossunder(fast, slow)
        strategy.close("Long", comment="Exit")
    """

    /// The config's lines are numbered so errors can be checked by line: `parameters` is on line 4.
    static func config(parameters: String = #"{"fastLength": [5, 10], "slowLength": [20, 30]}"#, extra: String = "",
                       head: String = #""script": "cross.pine","#) -> String {
        """
        {\(head)
         "symbols": ["BTC/USDT"], "timeframe": "1h", "exchange": "sim", "start": "2024-01-01", "end": "2024-03-01",
         "constraints": [],
         "parameters": \(parameters),
         "search": {"method": "grid"}, "objective": "sharpe_ratio"\(extra)}
        """
    }

    /// Writes the script and the config into a scratch directory and parses the config from
    /// there (so the relative `script` path is taken from the config's directory).
    static func parse(_ text: String, script: String = cross, directory: ScratchDirectory) throws -> SweepConfig {
        _ = try directory.write(script, to: "cross.pine")
        let file = try directory.write(text, to: "sweep.json")
        return try SweepConfig.parse(bytes: Array(text.utf8), file: file, baseDirectory: directory.path)
    }

    static func planner(_ text: String, script: String = cross) async throws -> SweepPlanner {
        let directory = try ScratchDirectory()
        defer { directory.cleanUp() }
        let config = try parse(text, script: script, directory: directory)
        return try SweepPlanner(config: config, data: try await SweepDataLoader.load(config))
    }

    static func parseError(_ text: String, script: String = cross) -> SweepError? {
        let directory = try! ScratchDirectory()
        defer { directory.cleanUp() }
        return SweepFixtures.error { _ = try parse(text, script: script, directory: directory) }
    }

    /// What the server's script backtest computes for these inputs on these bars: the shared
    /// `PineEnvironment.backtest` and `PineBacktestAccount` of `ScriptRunSpec.execute`.
    static func serverBacktest(_ source: String, inputs: [String: String], symbol: TradingSymbol, bars: [Bar])
        throws -> (metrics: PerformanceMetrics, finalValue: Double, result: PineRunResult) {
        let environment = PineEnvironment.backtest(symbol: symbol, timeframe: .oneHour, bars: bars)
        let program = try PineProgram(source: source, inputs: inputs, environment: environment)
        var account = PineBacktestAccount(declaration: program.declaration, indicatorCash: 10_000, capacity: bars.count)
        let result = try program.run(bars: bars) { account.record($0) }
        return (account.performanceMetrics(result: result, times: bars.map(\.openTime), timeframe: .oneHour), account.finalValue, result)
    }

    @Test("a 2×2 grid over a script: every cell's performance_metrics and final_value equal the server's script backtest")
    func cellsEqualServerBacktest() async throws {
        let planner = try await Self.planner(Self.config())
        #expect(planner.config.script?.title == "SMA Cross")
        #expect(planner.config.initialCash == 10_000)
        let cells = try planner.nextCells(history: [])
        #expect(cells.count == 4)
        let results = await SweepRunner.run(cells, config: planner.config, data: planner.data, jobs: 2)
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        let bars = try #require(planner.data.bars[symbol])
        #expect(bars.count == 60 * 24)
        var traded = 0
        for (cell, result) in zip(cells, results) {
            #expect(result.status == .ok, "\(result.json.canonicalText)")
            let inputs = cell.parameters.mapValues { value -> String in
                guard case .int(let number) = value else { return "?" }
                return String(number)
            }
            let expected = try Self.serverBacktest(Self.cross, inputs: inputs, symbol: symbol, bars: bars)
            let metrics = try JSONValue.parse(Array(JSONEncoder().encode(expected.metrics)))
            #expect(result.json["performance_metrics"] == metrics)
            #expect(result.json["final_value"] == .double(expected.finalValue))
            // The server's own end-to-end test checks final_value against the broker's equity.
            #expect(expected.finalValue == expected.result.statistics?.equity)
            #expect(result.totalTrades == expected.result.closedTrades.count)
            #expect(result.objective == expected.metrics.sharpeRatio)
            traded += result.totalTrades
        }
        #expect(traded > 0)
        // Different inputs gave different runs.
        #expect(Set(results.map { $0.json["final_value"]!.canonicalText }).count == 4)
    }

    @Test("inputs by title work like --input; the title is the cell's parameter name")
    func inputByTitle() async throws {
        let planner = try await Self.planner(Self.config(parameters: #"{"Fast length": 5, "slowLength": 20}"#))
        let cells = try planner.nextCells(history: [])
        #expect(cells.map(\.parameters) == [["Fast length": .int(5), "slowLength": .int(20)]])
        let result = await SweepRunner.run(cells, config: planner.config, data: planner.data, jobs: 1)[0]
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        let expected = try Self.serverBacktest(Self.cross, inputs: ["fastLength": "5", "slowLength": "20"], symbol: symbol,
                                               bars: planner.data.bars[symbol]!)
        #expect(result.json["performance_metrics"] == (try JSONValue.parse(Array(JSONEncoder().encode(expected.metrics)))))
    }

    @Test("an unknown input names parameters.<name> and lists the script's inputs; values are checked against minval/maxval")
    func inputErrors() {
        let unknown = Self.parseError(Self.config(parameters: #"{"fast": [5, 10]}"#))
        #expect(unknown?.field == "parameters.fast")
        #expect(unknown?.line == 4)
        #expect(unknown?.message == "the script has no input named 'fast'; its inputs are: Fast length / fastLength, Slow length / slowLength")
        #expect(unknown?.description.hasSuffix("sweep.json:4: parameters.fast: the script has no input named 'fast'; its inputs are: Fast length / fastLength, Slow length / slowLength") == true)

        let below = Self.parseError(Self.config(parameters: #"{"fastLength": [0, 5]}"#))
        #expect(below?.field == "parameters.fastLength")
        #expect(below?.message == "input 'Fast length': 0 is below its minimum 1")
        let above = Self.parseError(Self.config(parameters: #"{"fastLength": {"from": 150, "to": 250, "step": 50}}"#))
        #expect(above?.message == "input 'Fast length': 250 is above its maximum 200")
        let type = Self.parseError(Self.config(parameters: #"{"slowLength": [20, 25.5]}"#))
        #expect(type?.message == "input 'Slow length': '25.5' is not an integer")
        let twice = Self.parseError(Self.config(parameters: #"{"fastLength": 5, "Fast length": 6}"#))
        #expect(twice?.field == "parameters.Fast length")
        #expect(twice?.message == "names the same input as parameters.fastLength ('Fast length')")
    }

    @Test("exactly one of strategy and script; a script's strategy() owns commission, slippage, fills and capital")
    func strategyOrScript() {
        let both = Self.parseError(Self.config(head: #""script": "cross.pine", "strategy": "MovingAverageCross","#))
        #expect(both?.field == "script")
        #expect(both?.line == 1)
        #expect(both?.message == "give either strategy (a built-in) or script (a Pine strategy file), not both")
        let neither = Self.parseError(Self.config(head: ""))
        #expect(neither?.field == "strategy")
        #expect(neither?.message == "is required: a built-in strategy (`cracktrader strategies`), or give script: a Pine strategy file")
        let commission = Self.parseError(Self.config(extra: #", "commission": 0.002"#))
        #expect(commission?.field == "commission")
        #expect(commission?.line == 5)
        let cash = Self.parseError(Self.config(extra: #", "initial_cash": 5000"#))
        #expect(cash?.field == "initial_cash")
        #expect(cash?.message.hasPrefix("a script's capital is its strategy(initial_capital=) (10000 in ") == true)
        // The script's own capital may be repeated.
        #expect(Self.parseError(Self.config(extra: #", "initial_cash": 10000"#)) == nil)
        let missing = Self.parseError(Self.config(head: #""script": "nowhere.pine","#))
        #expect(missing?.field == "script")
        #expect(missing?.line == 1)
    }

    @Test("an indicator() script is refused; a script that does not compile reports file:line:column")
    func refusedScripts() {
        let indicator = """
        //@version=5
        indicator("RSI")
        length = input.int(14, "Length")
        plot(ta.rsi(close, length))
        """
        let refused = Self.parseError(Self.config(parameters: #"{"length": [10, 14]}"#), script: indicator)
        #expect(refused?.field == "script")
        #expect(refused?.line == 1)
        #expect(refused?.message.hasSuffix("cross.pine is an indicator() script; only a strategy() script trades, so only one can be swept") == true)

        let broken = Self.cross.replacingOccurrences(of: "fast = ta.sma(close, fastLength)", with: "fast = ta.sma(clsoe, fastLength)")
        let error = Self.parseError(Self.config(), script: broken)
        #expect(error?.field == "script")
        #expect(error?.line == 1)
        let message = error?.message ?? ""
        #expect(message.hasPrefix("does not compile: "))
        #expect(message.contains("cross.pine:5:15: "))
        #expect(message.contains("clsoe"))
    }

    @Test("cell ids hash the script's SHA-256: editing the source changes every id, re-reading it changes none")
    func identityFollowsSource() async throws {
        let first = try await Self.planner(Self.config())
        let again = try await Self.planner(Self.config())
        let edited = try await Self.planner(Self.config(), script: Self.cross + "\n// a comment\n")
        let ids = try first.nextCells(history: []).map(\.id)
        #expect(try again.nextCells(history: []).map(\.id) == ids)
        let editedIDs = try edited.nextCells(history: []).map(\.id)
        #expect(editedIDs.count == 4)
        #expect(Set(editedIDs).isDisjoint(with: Set(ids)))
        #expect(first.header["strategy_version"] == .string("sha256:" + SHA256Digest.hex(Self.cross)))
        #expect(first.header["config"]?["script"] == .object(["title": .string("SMA Cross"), "sha256": .string(SHA256Digest.hex(Self.cross))]))
        #expect(first.header["config"]?["strategy"] == nil)
    }

    @Test("--jobs 1 and --jobs 2 give byte-identical documents; plan → shards → merge (source inline in the plan) too")
    func deterministic() async throws {
        let planner = try await Self.planner(Self.config(parameters: #"{"fastLength": [5, 8, 10], "slowLength": [20, 30]}"#))
        let one = try await SweepSession.run(planner, jobs: 1).canonicalBytes
        let two = try await SweepSession.run(planner, jobs: 2).canonicalBytes
        #expect(one == two)
        let plan = try #require(try SweepPlan.next(planner, history: [], shards: 2))
        // The plan carries the source, so a worker needs no script file.
        #expect(plan.json["config"]?["script"]?["source"] == .string(Self.cross))
        let shards = try SweepRunTests.runShards(plan, data: planner.data, jobs: 2)
        let merged = try SweepMerger.merge(shards, expected: Set(plan.cells.map(\.id)))
        #expect(merged.canonicalBytes == one)
        let document = try JSONValue.parse(one)
        #expect(document["summary"] == .object(["cells": .int(6), "ok": .int(6), "failed": .int(0), "ranked": document["summary"]!["ranked"]!]))
    }

    @Test("walk-forward and constraints run unchanged over a script")
    func walkForward() async throws {
        let planner = try await Self.planner(Self.config(
            parameters: #"{"fastLength": [5, 10, 20], "slowLength": [10, 30]}"#,
            extra: #", "walk_forward": {"train": "20d", "test": "10d", "holdout": "10d", "top_k": 2}"#)
            .replacingOccurrences(of: #""constraints": []"#, with: #""constraints": ["fastLength < slowLength"]"#))
        let document = try await SweepSession.run(planner, jobs: 2)
        let cells = try #require(document["cells"]?.arrayValue)
        // 4 feasible points × 3 folds in sample, top 2 × 3 folds out of sample, 1 holdout.
        #expect(cells.filter { $0["role"] == .string("in_sample") }.count == 12)
        #expect(cells.filter { $0["role"] == .string("out_of_sample") }.count == 6)
        #expect(cells.filter { $0["role"] == .string("holdout") }.count == 1)
        #expect(cells.allSatisfy { $0["status"] == .string("ok") })
        #expect(cells.filter { $0["role"] == .string("out_of_sample") }.allSatisfy { ($0["equity_curve"]?.arrayValue?.count ?? 0) > 0 })
        #expect(cells.allSatisfy { cell in
            guard case .int(let fast)? = cell["parameters"]?["fastLength"], case .int(let slow)? = cell["parameters"]?["slowLength"] else { return false }
            return fast < slow
        })
        #expect(document["walk_forward"]?["symbols"]?["BTC/USDT"] != nil)
    }
}
