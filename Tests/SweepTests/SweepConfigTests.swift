import Foundation
@testable import Sweep
import Testing
import TradingCore

@Suite("Sweep config: parsing and line-numbered validation")
struct SweepConfigTests {
    @Test("the issue's example shape parses into fixed, list and range parameters")
    func issueShape() throws {
        let config = try SweepFixtures.config(SweepFixtures.issueExample())
        #expect(config.strategy == "MovingAverageCross")
        #expect(config.symbols == [try TradingSymbol(parsing: "BTC/USDT")])
        #expect(config.timeframe == .oneHour)
        #expect(config.data == .exchange("sim"))
        #expect(config.initialCash == 10_000)
        #expect(config.commission == 0.001)
        #expect(config.parameters.map(\.name) == ["fast_period", "slow_period", "stake"])
        #expect(config.parameters[0].values == [.int(5), .int(10), .int(15), .int(20)])
        #expect(config.parameters[1].values == [.int(20), .int(30), .int(40), .int(60)])
        #expect(config.parameters[2].values == [.int(1)])
        #expect(config.constraints == ["fast_period < slow_period"])
        #expect(config.search.method == .grid)
        #expect(config.objective == .metric("sharpe_ratio"))
        #expect(config.top == 10)
    }

    @Test("a CSV data path with the issue's exact text (BTC/USD, candles.csv) resolves against the config's directory")
    func csvPath() throws {
        let text = """
            {"strategy": "MovingAverageCross", "symbols": ["BTC/USD"], "timeframe": "1h",
             "data": "candles.csv", "initial_cash": 10000, "commission": 0.001,
             "parameters": {"fast_period": {"from": 5, "to": 20, "step": 5}, "slow_period": [20, 30, 40, 60],
                            "stake": 1},
             "constraints": ["fast_period < slow_period"],
             "search": {"method": "grid"}, "objective": "sharpe_ratio"}
            """
        let config = try SweepConfig.parse(bytes: Array(text.utf8), file: "cfg/sweep.json", baseDirectory: "cfg")
        #expect(config.data == .csv([try TradingSymbol(parsing: "BTC/USD"): "cfg/candles.csv"]))
    }

    @Test("float ranges are rounded to the decimals of from and step")
    func floatRange() throws {
        let domain = ParameterDomain.range(from: 0.1, to: 0.5, step: 0.1, integral: false)
        #expect(domain.values == [.float(0.1), .float(0.2), .float(0.3), .float(0.4), .float(0.5)])
        let integral = ParameterDomain.range(from: 2, to: 11, step: 3, integral: true)
        #expect(integral.values == [.int(2), .int(5), .int(8), .int(11)])
    }

    @Test("weighted objectives and their score")
    func weightedObjective() throws {
        let config = try SweepFixtures.config(SweepFixtures.issueExample().replacingOccurrences(
            of: #""objective": "sharpe_ratio""#, with: #""objective": {"weights": {"sharpe_ratio": 1, "max_drawdown": 2}}"#))
        #expect(config.objective == .weighted(["sharpe_ratio": 1, "max_drawdown": 2]))
        let metrics = PerformanceMetrics(finalValue: 11_000, sharpeRatio: 1.5, maxDrawdown: 0.1)
        // 1 · 1.5 + 2 · (−0.1)
        #expect(config.objective.score(metrics, initialCash: 10_000) == 1.3)
        #expect(SweepObjective.metric("net_profit").score(metrics, initialCash: 10_000) == 1_000)
        #expect(SweepObjective.metric("sortino_ratio").score(metrics, initialCash: 10_000) == nil)
    }

    /// (replacement of a line of the example, field, line, message)
    static let badInputs: [(String, String, String, Int, String)] = [
        (#""stake": 1}"#, #""stake": 1, "bogus": [1, 2]}"#, "parameters.bogus", 5,
         "MovingAverageCross has no parameter 'bogus'; its parameters are fast_period, slow_period, stake, stop_loss, take_profit"),
        (#""step": 5}"#, #""step": 0}"#, "parameters.fast_period.step", 4, "must be a positive number"),
        (#""to": 20"#, #""to": 2"#, "parameters.fast_period.to", 4, "must not be below from (5.0)"),
        (#"[20, 30, 40, 60]"#, #"[20, 30, 30]"#, "parameters.slow_period[2]", 4, "repeats the value 30"),
        (#"[20, 30, 40, 60]"#, #"[20, 30000]"#, "parameters.slow_period", 4, "'slow_period' = 30000 is outside 2…10000"),
        (#""objective": "sharpe_ratio""#, #""objective": "sharpness""#, "objective", 7,
         "must be one of sharpe_ratio, sortino_ratio, calmar_ratio, net_profit, profit_factor, max_drawdown, total_return, cagr, win_rate, expectancy or {\"weights\": {…}}; not 'sharpness'"),
        (#""method": "grid""#, #""method": "annealing""#, "search.method", 7,
         "must be one of grid, random, halton (alias low_discrepancy), tpe; not 'annealing'"),
        (#""method": "grid""#, #""method": "random""#, "search.samples", 7, "is required"),
        (#"["fast_period < slow_period"]"#, #"["fast_period < slow"]"#, "constraints[0]", 6,
         "'slow' is not a parameter of this sweep (give it under parameters); known: fast_period, slow_period, stake"),
        (#""commission": 0.001"#, #""commission": 2"#, "commission", 3, "commission must be in [0, 1)"),
        (#""timeframe": "1h""#, #""timeframe": "7h""#, "timeframe", 1, "unknown timeframe '7h'; accepted: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M"),
    ]

    @Test("bad fields fail with the field and its line", arguments: 0..<badInputs.count)
    func badField(_ index: Int) throws {
        let (original, replacement, field, line, message) = Self.badInputs[index]
        let text = SweepFixtures.issueExample().replacingOccurrences(of: original, with: replacement)
        #expect(text != SweepFixtures.issueExample())
        let error = try #require(SweepFixtures.error { _ = try SweepFixtures.config(text) })
        #expect(error.field == field)
        #expect(error.line == line)
        #expect(error.message == message)
        #expect(error.kind == .config)
        #expect(error.exitStatus == 65)
        #expect(error.description == "sweep.json:\(line): \(field): \(message)")
    }

    @Test("unknown top-level fields, JSON syntax errors and duplicate keys name their line")
    func structuralErrors() throws {
        let unknown = try #require(SweepFixtures.error { _ = try SweepFixtures.config("{\"strategy\": \"MovingAverageCross\",\n\"exchang\": \"sim\"}") })
        #expect(unknown.field == "exchang")
        #expect(unknown.line == 2)
        let syntax = try #require(SweepFixtures.error { _ = try SweepFixtures.config("{\"strategy\": \"MovingAverageCross\",\n\n  \"top\": 3,,\n}") })
        #expect(syntax.line == 3)
        #expect(syntax.message == "invalid JSON at column 12: expected a quoted key")
        let duplicate = try #require(SweepFixtures.error { _ = try SweepFixtures.config("{\"strategy\": \"MovingAverageCross\",\n\"strategy\": \"MovingAverageCross\"}") })
        #expect(duplicate.line == 2)
        #expect(duplicate.message == "duplicate key 'strategy'")
        let strategy = try #require(SweepFixtures.error { _ = try SweepFixtures.config("{\n\"strategy\": \"Nope\"}") })
        #expect(strategy.field == "strategy")
        #expect(strategy.line == 2)
        let range = try #require(SweepFixtures.error { _ = try SweepFixtures.config("{\"strategy\": \"MovingAverageCross\", \"exchange\": \"sim\"}") })
        #expect(range.field == "start")
        #expect(range.message == "an exchange sweep needs both start and end (ISO 8601), so its plan never depends on today's date")
    }

    @Test("the canonical config JSON parses back to the same config")
    func roundTrip() throws {
        let config = try SweepFixtures.config(SweepFixtures.issueExample(extra: #", "walk_forward": {"train": "30d", "test": 240, "holdout": "1w"}, "min_trades": 2"#))
        let again = try SweepConfig(node: ConfigNode(json: config.json()))
        #expect(again == config)
        #expect(again.json().canonicalText == config.json().canonicalText)
        #expect(config.walkForward == SweepConfig.WalkForward(mode: .rolling, train: .milliseconds(30 * 86_400_000), test: .bars(240), holdout: .milliseconds(604_800_000)))
    }
}
