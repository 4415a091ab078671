import TradingCore

/// Turns a config and its data into cells, one stage at a time (ask/tell): `nextCells(history:)`
/// returns the cells to run next given every result so far, or `[]` when the sweep is complete.
///
/// - grid, random, halton: one stage, every point × symbol over the data's full range.
/// - tpe: stages of `search.batch_size` points until `search.samples` points are scored.
/// - walk-forward: stage 1 runs the points in sample on every fold; stage 2 runs each
///   (symbol, fold)'s top-k out of sample, and the last fold's best on the holdout. With tpe,
///   stage 1 is itself a series of stages: each fold is optimised on its own training window,
///   one batch per fold per stage, from that fold's own in-sample results.
///
/// The next stage is a pure function of the config, the data and the history, which is what
/// lets `sweep ask` on any machine plan the same cells as a local sweep.
public struct SweepPlanner: Sendable {
    public let config: SweepConfig
    public let data: SweepDataSet
    public let maxCells: Int
    public let folds: WalkForwardFolds?

    /// Checks everything that can be checked before running: the cell cap, an empty or
    /// impossible grid, folds that do not fit, windows without bars.
    public init(config: SweepConfig, data: SweepDataSet, maxCells: Int = SweepConfig.defaultMaxCells) throws(SweepError) {
        self.config = config
        self.data = data
        self.maxCells = maxCells
        for symbol in config.symbols where data.bars[symbol]?.isEmpty ?? true {
            throw SweepError.config("symbols", "no bars for \(symbol)")
        }
        if let settings = config.walkForward {
            guard let range = data.commonWindow(config.symbols) else {
                throw SweepError.config("symbols", "the symbols' data do not overlap in time, so they cannot share folds")
            }
            let folds = try WalkForwardFolds(settings, range: range, timeframe: data.timeframe)
            for fold in folds.folds {
                for symbol in config.symbols {
                    if data.barCount(symbol, in: fold.train) == 0 { throw SweepError.config("walk_forward.train", "fold \(fold.index)'s training window has no bars of \(symbol)") }
                    if data.barCount(symbol, in: fold.test) == 0 { throw SweepError.config("walk_forward.test", "fold \(fold.index)'s test window has no bars of \(symbol)") }
                }
            }
            if let holdout = folds.holdout {
                for symbol in config.symbols where data.barCount(symbol, in: holdout) == 0 {
                    throw SweepError.config("walk_forward.holdout", "the holdout window has no bars of \(symbol)")
                }
            }
            self.folds = folds
        } else {
            folds = nil
        }
        try checkCap()
    }

    /// The header every results file of this sweep carries (identical for all shards).
    public var header: JSONValue {
        var object: [String: JSONValue] = [
            "config": config.json(includingData: false),
            "timeframe": .string(data.timeframe.rawValue),
            "engine_version": .string(SweepIdentity.engineVersion),
            "strategy_version": .string(config.strategyVersion),
        ]
        if let folds { object["walk_forward"] = folds.json }
        return .object(object)
    }

    /// Points of the first (or only) stage of grid, random and halton searches.
    func basePoints() throws(SweepError) -> [[String: ParameterValue]] {
        let points: [[String: ParameterValue]]
        switch config.search.method {
        case .grid: points = try SweepSampler.grid(config)
        case .random: points = SweepSampler.random(config, count: config.search.samples, seed: config.search.seed)
        case .halton: points = SweepSampler.halton(config, count: config.search.samples, seed: config.search.seed)
        case .tpe: points = []
        }
        if points.isEmpty && config.search.method != .tpe {
            throw SweepError.config(config.constraints.isEmpty ? "parameters" : "constraints",
                                    "no parameter point satisfies the constraints (\(config.constraints.joined(separator: "; "))); the grid has \(SweepSampler.gridSize(config)) points before them")
        }
        return points
    }

    /// Refuses sweeps with more cells than `maxCells`, before anything runs.
    func checkCap() throws(SweepError) {
        let symbols = config.symbols.count
        let total: Int
        if config.search.method == .tpe {
            if let folds {
                let k = config.walkForward!.topK
                let perFold = config.search.samples * symbols
                total = (perFold + min(k, config.search.samples) * symbols) * folds.folds.count + (folds.holdout == nil ? 0 : symbols)
            } else {
                total = config.search.samples * symbols
            }
            if SweepSampler.gridSize(config) < config.search.samples, SweepSampler.gridSize(config) <= SweepSampler.enumerationLimit {
                let feasible = try SweepSampler.grid(config).count
                guard feasible > 0 else { throw SweepError.config("constraints", "no parameter point satisfies the constraints") }
            }
        } else {
            // Ask the sampler for the points: an empty grid must fail here, not later.
            if config.search.method == .grid {
                let size = SweepSampler.gridSize(config)
                let bound = size == Int.max ? Int.max : size * symbols * max(1, (folds?.folds.count ?? 1))
                if bound > maxCells && size > SweepSampler.enumerationLimit {
                    throw capError(bound, note: " before constraints")
                }
            }
            let points = try basePoints().count
            if let folds {
                let k = config.walkForward!.topK
                total = points * symbols * folds.folds.count + min(k, points) * symbols * folds.folds.count + (folds.holdout == nil ? 0 : symbols)
            } else {
                total = points * symbols
            }
        }
        if total > maxCells { throw capError(total, note: "") }
    }

    func capError(_ total: Int, note: String) -> SweepError {
        SweepError(kind: .config, code: "SWEEP_TOO_MANY_CELLS",
                   message: "the sweep has \(total) cells\(note), more than the cap of \(maxCells); narrow the parameters or raise --max-cells",
                   field: "parameters")
    }

    /// The cells to run next, or `[]` when the sweep is complete.
    public func nextCells(history: [CellResult]) throws(SweepError) -> [SweepCell] {
        var hashes: [SweepWindow: [TradingSymbol: String]] = [:]
        func cell(_ point: [String: ParameterValue], _ symbol: TradingSymbol, _ window: SweepWindow, _ role: SweepCell.Role, _ fold: Int?) -> SweepCell {
            let hash: String
            if let known = hashes[window]?[symbol] {
                hash = known
            } else {
                hash = data.dataHash(symbol, in: window)
                hashes[window, default: [:]][symbol] = hash
            }
            return SweepCell(config: config, timeframe: data.timeframe, parameters: point, symbol: symbol, window: window,
                             dataHash: hash, role: role, fold: fold)
        }

        guard let folds else {
            if config.search.method == .tpe {
                let observations = Self.observations(history.filter { $0.role == .sweep }, config: config)
                let remaining = config.search.samples - observations.count
                guard remaining > 0 else { return [] }
                let points = TPESearch.propose(config, history: observations, size: min(config.search.batchSize, remaining))
                return points.flatMap { point in config.symbols.map { cell(point, $0, data.fullWindow($0)!, .sweep, nil) } }
            }
            guard history.isEmpty else { return [] }
            return try basePoints().flatMap { point in config.symbols.map { cell(point, $0, data.fullWindow($0)!, .sweep, nil) } }
        }

        let inSample = history.filter { $0.role == .inSample }
        guard !history.contains(where: { $0.role == .outOfSample || $0.role == .holdout }) else { return [] }
        if config.search.method == .tpe {
            // Each fold's next batch from its own in-sample observations; out of sample once no
            // fold has anything left to propose.
            var cells: [SweepCell] = []
            for fold in folds.folds {
                let observations = Self.observations(inSample.filter { $0.fold == fold.index }, config: config)
                let remaining = config.search.samples - observations.count
                guard remaining > 0 else { continue }
                let points = TPESearch.propose(config, history: observations, size: min(config.search.batchSize, remaining))
                cells += points.flatMap { point in config.symbols.map { cell(point, $0, fold.train, .inSample, fold.index) } }
            }
            if !cells.isEmpty { return cells }
        } else if inSample.isEmpty {
            let points = try basePoints()
            return folds.folds.flatMap { fold in
                points.flatMap { point in config.symbols.map { cell(point, $0, fold.train, .inSample, fold.index) } }
            }
        }
        var cells: [SweepCell] = []
        let k = config.walkForward!.topK
        for symbol in config.symbols {
            var lastBest: [String: ParameterValue]?
            for fold in folds.folds {
                let ranked = SweepRanking.rank(inSample.filter { $0.symbol == symbol.description && $0.fold == fold.index }, config: config)
                for result in ranked.prefix(k) { cells.append(cell(result.parameters, symbol, fold.test, .outOfSample, fold.index)) }
                if let first = ranked.first { lastBest = first.parameters }
            }
            if let holdout = folds.holdout, let lastBest {
                cells.append(cell(lastBest, symbol, holdout, .holdout, nil))
            }
        }
        return cells
    }

    /// One observation per point: the mean objective over the symbols, nil if any symbol's cell
    /// is not eligible. Sorted by point so the order never depends on how results arrived.
    static func observations(_ results: [CellResult], config: SweepConfig) -> [TPESearch.Observation] {
        var byPoint: [String: [CellResult]] = [:]
        for result in results { byPoint[SweepCell.pointKey(result.parameters), default: []].append(result) }
        return byPoint.keys.sorted().map { key in
            let cells = byPoint[key]!
            let eligible = cells.allSatisfy { $0.isEligible(minTrades: config.minTrades, maxDrawdown: config.maxDrawdown) }
            let score = eligible ? cells.reduce(0.0) { $0 + $1.objective! } / Double(cells.count) : nil
            return TPESearch.Observation(point: cells[0].parameters, score: score)
        }
    }
}

/// Ranking rules shared by the planner and the results document.
public enum SweepRanking {
    /// Eligible results, best objective first; ties by cell id.
    public static func rank(_ results: [CellResult], config: SweepConfig) -> [CellResult] {
        rank(results, minTrades: config.minTrades, maxDrawdown: config.maxDrawdown)
    }

    public static func rank(_ results: [CellResult], minTrades: Int?, maxDrawdown: Double?) -> [CellResult] {
        results.filter { $0.isEligible(minTrades: minTrades, maxDrawdown: maxDrawdown) }.sorted { a, b in
            a.objective! != b.objective! ? a.objective! > b.objective! : a.id < b.id
        }
    }
}
