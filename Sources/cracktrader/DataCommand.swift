import ArgumentParser
import AsyncHTTPClient
import DataAccess
import ExchangeHistory
import MarketData
import Storage
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader data`: fill and inspect the candle store.
struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Import, download and list cached candles.",
        subcommands: [Import.self, Download.self, List.self]
    )

    /// Options every data subcommand shares.
    struct StoreOptions: ParsableArguments {
        @Option(help: "Data directory holding the candle store.")
        var dataDir: String = "./cracktrader-data"

        /// Opens the store, runs `body`, and closes the store on every path (SQLite connections
        /// must be closed explicitly).
        func withDatabase<T>(_ body: (Database) async throws -> T) async throws -> T {
            let directory = DataDirectory(path: dataDir)
            try directory.create()
            let database = try await Database.open(directory: directory)
            do {
                let value = try await body(database)
                await database.close()
                return value
            } catch {
                await database.close()
                throw error
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV file of candles in one transaction (all or nothing).",
            discussion: """
                Accepts a header with timestamp|time|date|open_time plus open, high, low, close, volume in \
                any order and case, or Binance's 12-column kline files without a header. Timestamps may be \
                epoch ms, epoch s or ISO 8601. Duplicate and misaligned bars are reported and skipped.
                """
        )

        @Argument(help: "The CSV file.")
        var file: String

        @Option(help: "Name to store the candles under: a venue id or any name of yours (e.g. mydata).")
        var exchange: String

        @Option(help: "Market as BASE/QUOTE.")
        var symbol: String

        @Option(help: "Timeframe of the bars in the file.")
        var timeframe: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            do {
                let symbol = try TradingSymbol(parsing: self.symbol)
                let timeframe = try Timeframe(parsing: self.timeframe)
                let parsed = try CandleCSVParser.parse(contentsOf: file, options: .importing(timeframe: timeframe))
                for issue in parsed.issues.prefix(20) {
                    printError("warning: line \(issue.line): \(issue.message)")
                }
                if parsed.issues.count > 20 { printError("warning: … and \(parsed.issues.count - 20) more issues") }
                guard !parsed.bars.isEmpty else { throw ValidationError("\(file) holds no bars to import") }
                let stored = try await store.withDatabase { database in
                    try await database.candles.upsert(
                        exchange: exchange.lowercased(), symbol: symbol, timeframe: timeframe, bars: parsed.bars)
                }
                let first = ISO8601Timestamp.string(fromMilliseconds: parsed.bars[0].openTime)
                let last = ISO8601Timestamp.string(fromMilliseconds: parsed.bars[parsed.bars.count - 1].openTime)
                writeLine("imported \(stored) bars of \(symbol) \(timeframe) into '\(exchange.lowercased())' (\(first) → \(last)); \(parsed.issues.count) issues reported", to: STDOUT_FILENO)
            } catch let error as TradingError {
                printError("error: \(error.message)")
                throw ExitCode(2)
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download public candle history from a venue into the store (resumable).",
            discussion: "Only missing ranges are fetched; run it again after an interruption to continue."
        )

        @Option(help: "binance, bybit, okx, kraken or coinbase.")
        var exchange: String

        @Option(help: "Market as BASE/QUOTE.")
        var symbol: String

        @Option(help: "Timeframe.")
        var timeframe: String

        @Option(help: "Start, ISO 8601.")
        var start: String

        @Option(help: "End (exclusive), ISO 8601. [default: now]")
        var end: String?

        @Option(help: "Override the venue's REST base URL (proxy, regional endpoint).")
        var baseUrl: String?

        @Flag(help: "Download the whole range again, replacing cached candles.")
        var refresh = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            do {
                guard let venue = VenueID(id: exchange) else {
                    throw ValidationError("--exchange must be one of \(VenueID.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let symbol = try TradingSymbol(parsing: self.symbol)
                let timeframe = try Timeframe(parsing: self.timeframe)
                let from = try BacktestCommand.parseTime(start, flag: "--start")
                let to = try end.map { try BacktestCommand.parseTime($0, flag: "--end") } ?? WallClock.nowMilliseconds()
                guard to > from else { throw ValidationError("--end must be after --start") }
                let downloader = HistoryDownloader(httpClient: .shared, venue: venue, baseURL: baseUrl)
                let report = try await store.withDatabase { database in
                    try await database.candles.topUp(
                        exchange: venue.rawValue, symbol: symbol, timeframe: timeframe, from: from, to: to, refresh: refresh
                    ) { start, end in
                        try await downloader.download(symbol: symbol, timeframe: timeframe, from: start, to: end) { progress in
                            writeRaw("\r" + TerminalProgressBar.render(progress, width: 30) + "   ", to: STDERR_FILENO)
                        }
                    }
                }
                writeRaw("\n", to: STDERR_FILENO)
                writeLine("downloaded \(report.barsReceived) bars of \(symbol) \(timeframe) from \(venue.rawValue); stored \(report.barsStored); \(report.remainingGaps.count) gaps remain", to: STDOUT_FILENO)
            } catch let error as TradingError {
                writeRaw("\n", to: STDERR_FILENO)
                printError("error: \(error.message)")
                throw ExitCode(2)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cached candle series.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let series = try await store.withDatabase { database in try await database.candles.allCoverage() }
            if series.isEmpty { writeLine("no candles cached in \(store.dataDir)", to: STDOUT_FILENO) }
            for item in series {
                writeLine(
                    "\(item.exchange)\t\(item.symbol)\t\(item.timeframe)\t\(item.barCount) bars\t\(ISO8601Timestamp.string(fromMilliseconds: item.firstOpenTime)) → \(ISO8601Timestamp.string(fromMilliseconds: item.lastOpenTime))",
                    to: STDOUT_FILENO)
            }
        }
    }
}

/// Writes without a newline (progress bars redraw with `\r`).
func writeRaw(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress!, $0.count) }
}
