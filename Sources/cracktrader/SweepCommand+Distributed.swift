import ArgumentParser
import Sweep
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader sweep plan CONFIG --shards K -o plan.json`: the first stage of a sweep as shards.
struct SweepPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a sweep's (first stage of) cells into shards for `sweep run`."
    )

    @OptionGroup var options: SweepConfigOptions

    @Option(help: "Number of shards.")
    var shards: Int = 1

    @Option(name: .shortAndLong, help: "Write the plan here.")
    var output: String

    func run() async throws {
        try await withSweepExitStatus {
            let planner = try await options.planner()
            guard let plan = try SweepPlan.next(planner, history: [], shards: shards) else {
                throw SweepError.config("parameters", "the sweep has no cells")
            }
            try SweepFiles.writeAtomically(plan.json.canonicalBytes + [0x0A], to: output)
            printError("planned \(plan.cells.count) cells in \(plan.shardCount) shards: \(output)")
        }
    }
}

/// `cracktrader sweep run --plan P --shard I -o DIR`: one shard, written atomically to
/// `DIR/shard-IIIII.json`. Exit 65 when a cell failed deterministically (the file is still
/// written, with the cell marked failed), 75 on I/O trouble.
struct SweepRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one shard of a plan; safe to re-run (the output is replaced atomically)."
    )

    @Option(help: "The plan from `sweep plan` or `sweep ask`.")
    var plan: String

    @Option(help: "Shard index, 0 ..< shards.")
    var shard: Int

    @Option(name: .shortAndLong, help: "Directory for the shard's results file.")
    var output: String

    @Option(help: "Worker threads. [default: all cores]")
    var jobs: Int?

    @Option(name: .customLong("data"), help: "Read this CSV instead of the plan's path (SYMBOL=PATH, or PATH for a one-symbol sweep); repeatable.")
    var dataOverrides: [String] = []

    func run() async throws {
        try await withSweepExitStatus {
            let plan = try SweepPlan(json: try JSONValue.parse(try SweepFiles.read(plan)))
            guard (0..<plan.shardCount).contains(shard) else {
                throw SweepError.config("--shard", "must be in 0..<\(plan.shardCount)")
            }
            var config = plan.config
            config.timeframe = plan.timeframe
            let overrides = try Self.overrides(dataOverrides, config: config)
            let data = try await SweepDataLoader.load(config, dataOverride: overrides, readFailure: .transient)
            let cells = plan.cells(ofShard: shard)
            var checked: Set<String> = []
            for cell in cells where checked.insert("\(cell.symbol) \(cell.window.start) \(cell.window.end)").inserted
                && data.dataHash(cell.symbol, in: cell.window) != cell.dataHash {
                throw SweepError.permanent("SWEEP_DATA_CHANGED", "the bars of \(cell.symbol) in cell \(cell.id)'s window differ from the planned ones (data hash \(cell.dataHash)); re-plan with the current data")
            }
            let results = await SweepRunner.run(cells, config: config, data: data, jobs: jobs ?? ProcessorCount.online)
            let document = try SweepMerger.shardDocument(header: plan.header, shard: shard, results: results)
            try SweepFiles.makeDirectory(output)
            let digits = String(shard)
            let path = (output.hasSuffix("/") ? output : output + "/") + "shard-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".json"
            try SweepFiles.writeAtomically(document.canonicalBytes + [0x0A], to: path)
            let failed = results.filter { $0.status == .failed }.count
            printError("shard \(shard): \(results.count) cells, \(failed) failed: \(path)")
            if failed > 0 {
                throw SweepError.permanent("SWEEP_CELLS_FAILED", "\(failed) of \(results.count) cells failed deterministically (recorded in \(path)); do not retry")
            }
        }
    }

    static func overrides(_ pairs: [String], config: SweepConfig) throws(SweepError) -> [TradingSymbol: String]? {
        guard !pairs.isEmpty else { return nil }
        var map: [TradingSymbol: String] = [:]
        for pair in pairs {
            if let equals = pair.firstIndex(of: "="), let symbol = try? TradingSymbol(parsing: String(pair[..<equals])) {
                map[symbol] = String(pair[pair.index(after: equals)...])
            } else if config.symbols.count == 1 {
                map[config.symbols[0]] = pair
            } else {
                throw SweepError.config("--data", "'\(pair)' must be SYMBOL=PATH for a sweep of several symbols")
            }
        }
        return map
    }
}

/// `cracktrader sweep merge DIR_OR_FILE... -o merged.json`.
struct SweepMergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard results (directories or files) into one results document, sorted by cell id."
    )

    @Argument(help: "Shard result directories or files (and earlier results documents).")
    var inputs: [String]

    @Option(help: "Check that every cell of this plan has a result (exit 75 if not).")
    var plan: String?

    @Option(name: .shortAndLong, help: "Write the merged document here (stdout if omitted).")
    var output: String?

    @Option(help: "Also write every cell as a CSV row to this file.")
    var csv: String?

    func run() async throws {
        try await withSweepExitStatus {
            let document = try Self.merge(inputs, plan: plan)
            if let csv { try SweepFiles.writeAtomically(Array(SweepCSV.render(document).utf8), to: csv) }
            if let output {
                try SweepFiles.writeAtomically(document.canonicalBytes + [0x0A], to: output)
            } else {
                writeLine(document.canonicalText, to: STDOUT_FILENO)
            }
        }
    }

    static func merge(_ inputs: [String], plan: String?) throws(SweepError) -> JSONValue {
        var files: [(name: String, bytes: [UInt8])] = []
        for input in inputs {
            for file in try SweepFiles.jsonFiles(input) { files.append((file, try SweepFiles.read(file))) }
        }
        let expected = try plan.map { path throws(SweepError) in
            Set(try SweepPlan(json: try JSONValue.parse(try SweepFiles.read(path))).cells.map(\.id))
        }
        return try SweepMerger.merge(files, expected: expected)
    }
}

/// `cracktrader sweep ask CONFIG --history merged.json --shards K -o plan.json`: the next stage
/// (a TPE batch, or walk-forward's out-of-sample runs) given the results so far. Exits 0 and
/// writes nothing, saying so on stderr, when the sweep is complete.
struct SweepAskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Plan the next stage of an adaptive or walk-forward sweep from the results so far."
    )

    @OptionGroup var options: SweepConfigOptions

    @Option(help: "The results so far (from `sweep merge` or `sweep tell`); omit for the first stage.")
    var history: String?

    @Option(help: "Number of shards.")
    var shards: Int = 1

    @Option(name: .shortAndLong, help: "Write the plan here.")
    var output: String

    func run() async throws {
        try await withSweepExitStatus {
            let planner = try await options.planner()
            var results: [CellResult] = []
            if let history {
                let document = try JSONValue.parse(try SweepFiles.read(history))
                guard document["sweep"]?.canonicalBytes == planner.header.canonicalBytes else {
                    throw SweepError.config("--history", "\(history) belongs to another sweep (its header differs from this config's)")
                }
                for cell in document["cells"]?.arrayValue ?? [] { results.append(try CellResult(json: cell)) }
            }
            guard let plan = try SweepPlan.next(planner, history: results, shards: shards) else {
                printError("the sweep is complete: nothing more to run")
                return
            }
            try SweepFiles.writeAtomically(plan.json.canonicalBytes + [0x0A], to: output)
            printError("planned \(plan.cells.count) cells in \(plan.shardCount) shards: \(output)")
        }
    }
}

/// `cracktrader sweep tell --history merged.json DIR... -o merged.json`: adds a stage's shard
/// results to the history (a merge that includes the previous results document).
struct SweepTellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tell",
        abstract: "Add a stage's shard results to the results so far (merge with the history)."
    )

    @Option(help: "The results so far; omit after the first stage.")
    var history: String?

    @Argument(help: "The stage's shard result directories or files.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Write the updated results here (may be the --history file).")
    var output: String

    func run() async throws {
        try await withSweepExitStatus {
            let document = try SweepMergeCommand.merge((history.map { [$0] } ?? []) + inputs, plan: nil)
            try SweepFiles.writeAtomically(document.canonicalBytes + [0x0A], to: output)
        }
    }
}
