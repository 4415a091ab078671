import ArgumentParser
import Sweep
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader sweep`: parameter sweeps and walk-forward tests from a config file, on all cores,
/// or planned into shards for other machines (see docs/sweeps.md).
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep strategy parameters (grid, random, halton, tpe) and walk-forward test them.",
        discussion: """
            `cracktrader sweep CONFIG` runs a whole sweep on this machine. For other machines: \
            `sweep plan CONFIG --shards K -o plan.json`, then `sweep run --plan plan.json --shard I -o DIR` \
            per shard, then `sweep merge DIR -o merged.json` (byte-identical to the local --json output). \
            Exit status: 0 done, 65 bad config or a permanent failure, 75 transient (retry). See docs/sweeps.md.
            """,
        subcommands: [SweepLocalCommand.self, SweepPlanCommand.self, SweepRunCommand.self, SweepMergeCommand.self,
                      SweepAskCommand.self, SweepTellCommand.self],
        defaultSubcommand: SweepLocalCommand.self
    )
}

/// Options shared by the commands that read a config.
struct SweepConfigOptions: ParsableArguments {
    @Argument(help: "The sweep config (JSON or YAML).")
    var config: String

    @Option(help: "Refuse sweeps with more cells than this (before running anything).")
    var maxCells: Int = SweepConfig.defaultMaxCells

    /// Reads, parses and validates the config, loads its data and plans the first stage.
    func planner() async throws(SweepError) -> SweepPlanner {
        let bytes: [UInt8]
        do {
            bytes = try SweepFiles.read(config)
        } catch {
            // A config that is not there is the user's to fix, not a retry.
            throw SweepError(kind: .config, code: error.code, message: error.message)
        }
        let directory = config.contains("/") ? String(config[..<config.lastIndex(of: "/")!]) : nil
        let parsed = try SweepConfig.parse(bytes: bytes, file: config, baseDirectory: directory)
        guard maxCells >= 1 else { throw SweepError.config("--max-cells", "must be at least 1") }
        let data = try await SweepDataLoader.load(parsed)
        return try SweepPlanner(config: parsed, data: data, maxCells: maxCells)
    }
}

/// Runs a command body, turning a `SweepError` into its message on stderr and exit status 65/75.
func withSweepExitStatus(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as SweepError {
        printError("error: \(error.description)")
        throw ExitCode(error.exitStatus)
    }
}

/// `cracktrader sweep CONFIG`: the whole sweep here, on `--jobs` threads.
struct SweepLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run a whole sweep on this machine (the default: `cracktrader sweep CONFIG`)."
    )

    @OptionGroup var options: SweepConfigOptions

    @Option(help: "Worker threads. [default: all cores]")
    var jobs: Int?

    @Option(help: "Memory budget in MiB for the bars plus the workers' runs; fewer workers run when it is tight.")
    var memoryBudget: Int?

    @Flag(help: "Print the results document (cells, ranking, best) as canonical JSON.")
    var json = false

    @Option(help: "Also write every cell as a CSV row to this file.")
    var csv: String?

    @Option(name: .shortAndLong, help: "Write the results document to this file (atomically) instead of stdout.")
    var output: String?

    @Flag(help: "No progress bar on stderr.")
    var quiet = false

    func run() async throws {
        try await withSweepExitStatus {
            let planner = try await options.planner()
            let workers = jobs ?? ProcessorCount.online
            guard workers >= 1 else { throw SweepError.config("--jobs", "must be at least 1") }
            if let memoryBudget, memoryBudget < 1 { throw SweepError.config("--memory-budget", "must be a positive number of MiB") }
            let bar = quiet ? nil : SweepProgressBar()
            let document = try await SweepSession.run(planner, jobs: workers, memoryBudget: memoryBudget.map { $0 * 1_048_576 }) { stage, done, total in
                bar?.update(stage: stage, done: done, total: total)
            }
            bar?.finish()
            let bytes = document.canonicalBytes
            if let csv { try SweepFiles.writeAtomically(Array(SweepCSV.render(document).utf8), to: csv) }
            if let output {
                try SweepFiles.writeAtomically(bytes + [0x0A], to: output)
            } else if json {
                writeLine(String(decoding: bytes, as: UTF8.self), to: STDOUT_FILENO)
            }
            if !json || output != nil {
                writeLine(SweepSummaryTable.render(document), to: output == nil && json ? STDERR_FILENO : STDOUT_FILENO)
            }
        }
    }
}
