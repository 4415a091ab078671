import ArgumentParser
import MarketData
import Storage
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader bench`: the engine and data-path benchmarks, printed as a table a reader can compare.
///
/// Run it on a release build (`swift build -c release`); debug builds are 10–50× slower.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the engine loop, Pine scripts, sim generation, CSV parsing and the candle store.",
        discussion: "Each figure is the best of --repeat runs. Use a release build."
    )

    @Option(help: "Bars per benchmark.")
    var bars: Int = 1_000_000

    @Option(help: "Runs per benchmark; the best is reported.")
    var `repeat`: Int = 5

    @Option(help: "Write the generated CSV here (for timing `cracktrader backtest --data` with hyperfine).")
    var csvOutput: String?

    @Option(help: "Scratch data directory for the store benchmark.")
    var scratchDir: String = "/tmp/cracktrader-bench"

    @Option(help: "Only these groups, comma-separated: engine, backtest, pine, sweep, data (all by default).")
    var only: String?

    /// True when the group was asked for (every group when `--only` is absent).
    func runs(_ group: String) -> Bool {
        guard let only else { return true }
        return only.split(separator: ",").contains { $0.filter { $0 != " " } == group }
    }

    func validate() throws {
        let groups: Set<String> = ["engine", "backtest", "pine", "sweep", "data"]
        if let only, let unknown = only.split(separator: ",").map({ String($0.filter { $0 != " " }) }).first(where: { !groups.contains($0) }) {
            throw ValidationError("--only: unknown group '\(unknown)'; use engine, backtest, pine, sweep, data")
        }
    }

    func run() async throws {
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        let start: Int64 = 1_704_067_200_000  // 2024-01-01T00:00:00Z
        let end = start + Int64(bars) * 60_000
        var rows: [(String, String)] = []

        // Sim generation.
        var series: [Bar] = []
        let simSeconds = try best {
            series = try SimExchange.bars(symbol: symbol, timeframe: .oneMinute, from: start, to: end)
        }
        rows.append(("sim: generate \(bars) 1m bars", Self.milliseconds(simSeconds)))

        // Engine loop: MovingAverageCross 10/30, no metrics or JSON.
        let configuration = BacktestConfiguration(
            strategyName: "MovingAverageCross", parameters: [:], symbols: [symbol], timeframe: .oneMinute)
        let input = [symbol: series]
        if runs("engine") { try engineRows(configuration: configuration, input: input, rows: &rows) }
        if runs("backtest") { try backtestRows(configuration: configuration, input: input, rows: &rows) }
        if runs("pine") { rows += try pineRows(series: series) }
        if runs("sweep") { rows += try sweepRows(series: series) }
        if runs("data") { try await dataRows(series: series, symbol: symbol, start: start, end: end, rows: &rows) }

        let width = rows.map(\.0.count).max() ?? 0
        writeLine("Cracktrader benchmarks (best of \(`repeat`))", to: STDOUT_FILENO)
        for (label, value) in rows {
            writeLine(label + String(repeating: " ", count: width - label.count) + "  " + value, to: STDOUT_FILENO)
        }
    }

    /// The bare engine loop and the memory a run keeps.
    func engineRows(configuration: BacktestConfiguration, input: [TradingSymbol: [Bar]], rows: inout [(String, String)]) throws {
        var trades = 0
        let heapBefore = Self.heapInUse()
        var retained: EngineOutput?
        let engineSeconds = try best {
            let output = try BacktestEngine.run(configuration: configuration, bars: input, validatesBars: false)
            trades = output.orders.count
            retained = output
        }
        let heapAfter = Self.heapInUse()
        _ = retained
        rows.append(("engine: MovingAverageCross, \(bars) bars", Self.milliseconds(engineSeconds)))
        rows.append(("engine: bars per second (one core)", Self.millions(Double(bars) / engineSeconds) + " M/s"))
        rows.append(("engine: orders in the run", String(trades)))
        rows.append(("engine: resident memory added (run kept)", Self.fixed(Double(max(0, heapAfter - heapBefore)) / Double(bars), 1) + " bytes/bar"))
        retained = nil
    }

    /// A complete backtest as `backtest --json` times it, and where its time goes.
    func backtestRows(configuration: BacktestConfiguration, input: [TradingSymbol: [Bar]], rows: inout [(String, String)]) throws {
        // Complete backtest: exactly what `backtest --json` times as `stats.engine_seconds` —
        // bar validation, loop, metrics, order and trade lists, the document with its equity curve
        // thinned to 2,000 points, and its JSON encoding. Only reading the data is left out.
        // Each run's document is kept until all runs are timed, as `backtest --json` keeps it
        // while it times: freeing 60 MB is not part of what a user waits for before the output.
        var documents: [ResultsDocument] = []
        let completeSeconds = try best {
            documents.append(try runBacktestDocument(configuration: configuration, bars: input, equityCurveLimit: 2_000, pretty: true))
        }
        let documentBytes = documents.last.map { $0.members.reduce(0) { $0 + $1.byteCount } } ?? 0
        documents = []
        rows.append(("backtest: complete (loop, metrics, trades, JSON document)", Self.milliseconds(completeSeconds)))
        rows.append(("backtest: complete, bars per second", Self.millions(Double(bars) / completeSeconds) + " M/s"))
        rows.append(("backtest: JSON document size", Self.fixed(Double(documentBytes) / 1e6, 1) + " MB"))

        // Where the time beyond the loop goes.
        let output = try BacktestEngine.run(configuration: configuration, bars: input)
        let metricsSeconds = try best { _ = PerformanceMetrics(output: output) }
        rows.append(("  of which: metrics", Self.milliseconds(metricsSeconds)))
        let documentSeconds = try best {
            _ = ResultsDocument(output: output, configuration: configuration, runId: "", equityCurveLimit: 2_000, pretty: true)
        }
        rows.append(("  of which: document (orders, trades, curve, metrics, hash)", Self.milliseconds(documentSeconds)))
        let hashSeconds = try best { _ = Order.listHash(output.orders) }
        rows.append(("  of which: order-list fingerprint", Self.milliseconds(hashSeconds)))
        // The report with its records (what the server stores) and its encoding, for comparison.
        var report: BacktestReport?
        let reportSeconds = try best {
            report = BacktestReport(runId: "", configuration: configuration, output: output, equityCurveLimit: 2_000)
        }
        rows.append(("report with records (server), then its JSON", Self.milliseconds(reportSeconds)))
        let encodeSeconds = try best { _ = report?.jsonMembers(pretty: true) }
        rows.append(("  JSON of the report", Self.milliseconds(encodeSeconds)))
        let runIdSeconds = try best { _ = RunIdentifier.make(configuration: configuration, bars: input) }
        rows.append(("  run id (digest of every bar, on a second core)", Self.milliseconds(runIdSeconds)))
    }

    /// CSV parsing and the candle store.
    func dataRows(series: [Bar], symbol: TradingSymbol, start: Int64, end: Int64, rows: inout [(String, String)]) async throws {
        // CSV parse.
        let csvPath = csvOutput ?? scratchDir + "/bench.csv"
        try DataDirectory(path: scratchDir).create()
        try Self.writeCSV(series, to: csvPath)
        // Strict (what `backtest --data` and sweeps do): mapped, and read by every core once the
        // rows pass 4 MiB. Report mode (what `data import` does): one core.
        let csvSeconds = try best { _ = try CandleCSVParser.parse(contentsOf: csvPath) }
        rows.append(("csv: read + parse \(bars) rows (strict, all cores)", Self.milliseconds(csvSeconds)))
        let csvReportSeconds = try best { _ = try CandleCSVParser.parse(contentsOf: csvPath, options: .importing(timeframe: .oneMinute)) }
        rows.append(("csv: read + parse \(bars) rows (report mode, one core)", Self.milliseconds(csvReportSeconds)))

        // Candle store: import (one transaction) and read back.
        let database = try await Database.open(path: scratchDir + "/bench.sqlite")
        var importSeconds = Double.infinity
        var readSeconds = Double.infinity
        for _ in 0..<max(1, `repeat`) {
            _ = try await database.candles.delete(exchange: "bench", symbol: symbol, timeframe: .oneMinute)
            let clock = ContinuousClock()
            let importStart = clock.now
            _ = try await database.candles.upsert(exchange: "bench", symbol: symbol, timeframe: .oneMinute, bars: series)
            importSeconds = min(importSeconds, Self.seconds(clock.now - importStart))
            let readStart = clock.now
            let back = try await database.candles.bars(exchange: "bench", symbol: symbol, timeframe: .oneMinute, from: start, to: end)
            readSeconds = min(readSeconds, Self.seconds(clock.now - readStart))
            guard back.count == series.count else { throw ValidationError("store returned \(back.count) of \(series.count) bars") }
        }
        await database.close()
        rows.append(("store: import \(bars) bars (one transaction)", Self.milliseconds(importSeconds)))
        rows.append(("store: read \(bars) bars", Self.milliseconds(readSeconds)))
        rows.append(("csv + store: `data import` equivalent", Self.milliseconds(csvReportSeconds + importSeconds)))
    }

    func best(_ body: () throws -> Void) throws -> Double {
        var fastest = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<max(1, `repeat`) {
            let started = clock.now
            try body()
            fastest = min(fastest, Self.seconds(clock.now - started))
        }
        return fastest
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ seconds: Double) -> String { fixed(seconds * 1000, 1) + " ms" }
    static func millions(_ value: Double) -> String { fixed(value / 1e6, 1) }
    static func fixed(_ value: Double, _ digits: Int) -> String { MetricsTable.fixed(value, digits) }

    /// Resident memory of the process (Linux `/proc/self/statm`), in bytes; 0 elsewhere.
    static func heapInUse() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var total = 0
        var resident = 0
        guard fscanf_two(file, &total, &resident) else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func fscanf_two(_ file: UnsafeMutablePointer<FILE>, _ first: inout Int, _ second: inout Int) -> Bool {
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
        let fields = String(cString: buffer).split(separator: " ")
        guard fields.count >= 2, let a = Int(fields[0]), let b = Int(fields[1]) else { return false }
        first = a
        second = b
        return true
    }

    static func writeCSV(_ bars: [Bar], to path: String) throws {
        guard let file = fopen(path, "w") else { throw ValidationError("cannot write \(path)") }
        defer { fclose(file) }
        fputs("timestamp,open,high,low,close,volume\n", file)
        for bar in bars {
            fputs("\(bar.openTime),\(bar.open),\(bar.high),\(bar.low),\(bar.close),\(bar.volume)\n", file)
        }
    }
}
