import Foundation
@testable import Sweep
import Testing
import TradingCore

@Suite("Sweep planning: grid counts, samplers, folds, caps")
struct SweepPlannerTests {
    @Test("the issue's grid: fast 5,10,15,20 × slow 20,30,40,60 with fast < slow is 15 points")
    func issueGrid() throws {
        let config = try SweepFixtures.config(SweepFixtures.issueExample())
        #expect(SweepSampler.gridSize(config) == 16)
        let points = try SweepSampler.grid(config)
        // fast 5, 10, 15: all four slows; fast 20: 30, 40, 60 (20 < 20 fails).
        #expect(points.count == 15)
        #expect(!points.contains { $0["fast_period"] == .int(20) && $0["slow_period"] == .int(20) })
        #expect(points.first == ["fast_period": .int(5), "slow_period": .int(20), "stake": .int(1)])
        #expect(points.last == ["fast_period": .int(20), "slow_period": .int(60), "stake": .int(1)])
    }

    @Test("cells are points × symbols, with distinct stable ids")
    func cellsPerSymbol() async throws {
        let planner = try await SweepFixtures.planner(SweepFixtures.issueExample(symbols: #"["BTC/USDT", "ETH/USDT"]"#))
        let cells = try planner.nextCells(history: [])
        #expect(cells.count == 30)
        #expect(Set(cells.map(\.id)).count == 30)
        #expect(cells.allSatisfy { $0.id.count == 16 })
        let again = try await SweepFixtures.planner(SweepFixtures.issueExample(symbols: #"["BTC/USDT", "ETH/USDT"]"#))
        #expect(try again.nextCells(history: []).map(\.id) == cells.map(\.id))
        // Another commission is another backtest: other ids.
        let other = try await SweepFixtures.planner(SweepFixtures.issueExample(symbols: #"["BTC/USDT", "ETH/USDT"]"#).replacingOccurrences(of: "0.001", with: "0.002"))
        #expect(Set(try other.nextCells(history: []).map(\.id)).isDisjoint(with: cells.map(\.id)))
    }

    @Test("SplitMix64 matches its reference outputs for seed 0")
    func splitMix() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("radical inverse: unscrambled Halton values in bases 2 and 3")
    func radicalInverse() {
        let identity2 = [0, 1], identity3 = [0, 1, 2]
        #expect(SweepSampler.scrambledRadicalInverse(1, base: 2, permutation: identity2) == 0.5)
        #expect(SweepSampler.scrambledRadicalInverse(2, base: 2, permutation: identity2) == 0.25)
        #expect(SweepSampler.scrambledRadicalInverse(3, base: 2, permutation: identity2) == 0.75)
        #expect(abs(SweepSampler.scrambledRadicalInverse(1, base: 3, permutation: identity3) - 1.0 / 3) < 1e-15)
        #expect(abs(SweepSampler.scrambledRadicalInverse(3, base: 3, permutation: identity3) - 1.0 / 9) < 1e-15)
        #expect(SweepSampler.primes(5) == [2, 3, 5, 7, 11])
    }

    static let sampled = SweepFixtures.issueExample().replacingOccurrences(of: #""step": 5}"#, with: #""step": 1}"#)
        .replacingOccurrences(of: "[20, 30, 40, 60]", with: #"{"from": 20, "to": 100, "step": 5}"#)

    @Test("random and halton: seeded, distinct, feasible, exactly `samples` points", arguments: ["random", "halton"])
    func seededSamplers(_ method: String) throws {
        func points(seed: Int) throws -> [[String: ParameterValue]] {
            let text = Self.sampled.replacingOccurrences(of: #""method": "grid""#, with: #""method": "\#(method)", "samples": 25, "seed": \#(seed)"#)
            let config = try SweepFixtures.config(text)
            return method == "random"
                ? SweepSampler.random(config, count: 25, seed: config.search.seed)
                : SweepSampler.halton(config, count: 25, seed: config.search.seed)
        }
        let first = try points(seed: 7)
        #expect(first.count == 25)
        #expect(Set(first.map(SweepCell.pointKey)).count == 25)
        #expect(first.allSatisfy { ($0["fast_period"]!.numericValue!) < ($0["slow_period"]!.numericValue!) })
        #expect(try points(seed: 7) == first)
        #expect(try points(seed: 8) != first)
    }

    @Test("a space with fewer feasible points than samples ends early instead of looping")
    func exhaustedSpace() throws {
        let text = SweepFixtures.issueExample().replacingOccurrences(of: #""method": "grid""#, with: #""method": "random", "samples": 40, "seed": 1"#)
        let config = try SweepFixtures.config(text)
        #expect(SweepSampler.random(config, count: 40, seed: 1).count == 15)
    }

    @Test("rolling folds: exact boundaries, holdout at the end")
    func rollingFolds() throws {
        let day: Int64 = 86_400_000
        let settings = SweepConfig.WalkForward(mode: .rolling, train: .milliseconds(30 * day), test: .milliseconds(10 * day), holdout: .milliseconds(10 * day))
        let folds = try WalkForwardFolds(settings, range: SweepWindow(start: 0, end: 100 * day), timeframe: .oneHour)
        // Usable data [0, 90d): fold i trains [10i, 10i+30) and tests [10i+30, 10i+40) while 10i+40 ≤ 90.
        #expect(folds.folds.count == 6)
        for fold in folds.folds {
            let i = Int64(fold.index)
            #expect(fold.train == SweepWindow(start: 10 * i * day, end: (10 * i + 30) * day))
            #expect(fold.test == SweepWindow(start: (10 * i + 30) * day, end: (10 * i + 40) * day))
        }
        #expect(folds.folds.last!.test.end == 90 * day)
        #expect(folds.holdout == SweepWindow(start: 90 * day, end: 100 * day))
    }

    @Test("anchored folds grow the training window by step; bar-count spans use the timeframe")
    func anchoredFolds() throws {
        let hour: Int64 = 3_600_000
        let settings = SweepConfig.WalkForward(mode: .anchored, train: .bars(100), test: .bars(50), step: .bars(25))
        let folds = try WalkForwardFolds(settings, range: SweepWindow(start: 1_000, end: 1_000 + 230 * hour), timeframe: .oneHour)
        // Fold i: train [0, 100 + 25i) bars, test [100 + 25i, 150 + 25i); 150 + 25i ≤ 230 → i ≤ 3.
        var trains: [SweepWindow] = []
        var tests: [SweepWindow] = []
        for i: Int64 in 0...3 {
            let trainEnd: Int64 = 1_000 + (100 + 25 * i) * hour
            trains.append(SweepWindow(start: 1_000, end: trainEnd))
            tests.append(SweepWindow(start: trainEnd, end: trainEnd + 50 * hour))
        }
        #expect(folds.folds.map(\.train) == trains)
        #expect(folds.folds.map(\.test) == tests)
        #expect(folds.holdout == nil)
    }

    @Test("folds that do not fit the data are refused, naming walk_forward")
    func foldsTooLong() async throws {
        let error = try #require(await SweepFixtures.error {
            _ = try await SweepFixtures.planner(SweepFixtures.issueExample(extra: #", "walk_forward": {"train": "50d", "test": "20d"}"#))
        })
        #expect(error.field == "walk_forward")
        #expect(error.message == "no fold fits: train (50d) + test (20d) is longer than the 60d of data (2024-01-01T00:00:00.000Z to 2024-03-01T00:00:00.000Z)")
        let holdout = try #require(await SweepFixtures.error {
            _ = try await SweepFixtures.planner(SweepFixtures.issueExample(extra: #", "walk_forward": {"train": "10d", "test": "5d", "holdout": "60d"}"#))
        })
        #expect(holdout.field == "walk_forward.holdout")
    }

    @Test("an impossible grid is refused before anything runs")
    func impossibleGrid() async throws {
        let text = SweepFixtures.issueExample().replacingOccurrences(of: "fast_period < slow_period", with: "fast_period > slow_period + 100")
        let error = try #require(await SweepFixtures.error { _ = try await SweepFixtures.planner(text) })
        #expect(error.field == "constraints")
        #expect(error.message == "no parameter point satisfies the constraints (fast_period > slow_period + 100); the grid has 16 points before them")
        #expect(error.exitStatus == 65)
    }

    @Test("more cells than --max-cells is refused with the count")
    func cellCap() async throws {
        let error = try #require(await SweepFixtures.error { _ = try await SweepFixtures.planner(SweepFixtures.issueExample(), maxCells: 14) })
        #expect(error.code == "SWEEP_TOO_MANY_CELLS")
        #expect(error.message == "the sweep has 15 cells, more than the cap of 14; narrow the parameters or raise --max-cells")
        _ = try await SweepFixtures.planner(SweepFixtures.issueExample(), maxCells: 15)
    }
}
