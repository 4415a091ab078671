import ArgumentParser
import AsyncHTTPClient
import DataAccess
import MarketData
import Storage
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader backtest`: one backtest from the command line, from a CSV file or from the data
/// a run on the server would use (the `sim` exchange, the candle store, venue downloads).
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a backtest and print its metrics (or the full results document with --json).",
        discussion: """
            Data comes from --data FILE.csv (header timestamp,open,high,low,close,volume; timestamps in \
            epoch ms, epoch s or ISO 8601) or, without --data, from --exchange (default sim, generated \
            offline) through the candle store in --data-dir. Examples:
              cracktrader backtest --strategy MovingAverageCross --symbol BTC/USDT --start 2024-01-01 --end 2024-06-01
              cracktrader backtest --strategy MeanReversion --data btc-1h.csv --timeframe 1h --json
              cracktrader backtest --script rsi.pine --data eurusd-1h.csv --input Length=21 --trades-csv trades.csv
            """
    )

    @Option(help: "Strategy name (see `cracktrader strategies`).")
    var strategy: String = "MovingAverageCross"

    @Option(help: "Run a Pine Script v5/v6 file (strategy() or indicator()) instead of a built-in strategy.")
    var script: String?

    @Option(name: .customLong("input"), help: "With --script: a script input as NAME=VALUE, by its title or variable name; repeatable.")
    var inputs: [String] = []

    @Option(help: "With --script: syminfo.mintick (price step). Default: inferred from the prices' decimals.")
    var mintick: Double?

    @Option(help: "With --script: the quantity step (syminfo.mincontract) computed order sizes round down to. [default: 0.000001]")
    var qtyStep: Double?

    @Option(help: "With --script: write TradingView's \"List of Trades\" CSV to this file.")
    var tradesCsv: String?

    @Option(help: "With --trades-csv: time zone of its Date/Time column (IANA name such as America/New_York, UTC, or an offset like -05:00).")
    var timezone: String = "UTC"

    @Option(name: .customLong("param"), help: "Strategy parameter as key=value; repeatable.")
    var parameters: [String] = []

    @Option(name: .customLong("symbol"), help: "Market as BASE/QUOTE; repeatable. [default: BTC/USDT]")
    var symbols: [String] = []

    @Option(help: "Bar timeframe: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M. With --data it defaults to the file's bar spacing; otherwise 1h.")
    var timeframe: String?

    @Option(help: "First bar to use, ISO 8601 (2024-01-01 or 2024-01-01T00:00:00Z).")
    var start: String?

    @Option(help: "End of the range (exclusive), ISO 8601.")
    var end: String?

    @Option(help: "Initial cash in the quote currency.")
    var cash: Double = 10_000

    @Option(help: "Commission as a fraction of notional per fill.")
    var commission: Double = 0.001

    @Option(help: "Slippage in basis points: buys fill at price×(1+bps/10⁴), sells at price×(1−bps/10⁴).")
    var slippageBps: Double = 0

    @Option(help: "When market orders fill: next_open or close.")
    var fillAt: String = "next_open"

    @Option(help: "Read bars from this CSV file instead of an exchange.")
    var data: String?

    @Option(help: "Exchange to take data from when --data is not given: sim, binance, bybit, okx, kraken, coinbase, or a name used with `data import`.")
    var exchange: String = "sim"

    @Option(help: "Data directory holding the candle store.")
    var dataDir: String = "./cracktrader-data"

    @Flag(help: "Print the results document as JSON (the shape of GET /api/v1/results) plus `stats`.")
    var json = false

    @Flag(help: "With --json, leave out `stats` (engine timing), so equal inputs give byte-identical output.")
    var noStats = false

    @Option(help: "Equity points in the --json document, downsampled as GET /results does (0: every bar).")
    var maxPoints: Int = 2_000

    func run() async throws {
        do {
            try await execute()
        } catch let error as TradingError {
            printError("error: \(error.message)")
            throw ExitCode(2)
        }
    }

    private func execute() async throws {
        let fillTiming = try FillTiming(rawValue: fillAt).orThrow(ValidationError("--fill-at must be next_open or close, not '\(fillAt)'"))
        let symbolList = try (symbols.isEmpty ? ["BTC/USDT"] : symbols).map { text throws(TradingError) in try TradingSymbol(parsing: text) }
        let startTime = try start.map { try Self.parseTime($0, flag: "--start") }
        let endTime = try end.map { try Self.parseTime($0, flag: "--end") }
        if let startTime, let endTime, endTime <= startTime {
            throw ValidationError("--end must be after --start")
        }
        let parameterValues = try Self.parseParameters(parameters)
        let (bars, resolvedTimeframe) = try await loadBars(symbols: symbolList, from: startTime, to: endTime)
        if let script {
            try runScript(path: script, symbol: symbolList[0], bars: bars[symbolList[0]] ?? [], timeframe: resolvedTimeframe)
            return
        }
        let configuration = BacktestConfiguration(
            strategyName: strategy, parameters: parameterValues, symbols: symbolList, timeframe: resolvedTimeframe,
            initialCash: cash, commission: commission, slippageBps: slippageBps, fillAt: fillTiming)
        guard maxPoints >= 0 else { throw ValidationError("--max-points must be 0 (all) or positive") }
        // `engine_seconds` spans the whole backtest after the data is read: the loop, metrics,
        // trade and order lists, the results document and (with --json) its encoding.
        let clock = ContinuousClock()
        let started = clock.now
        // Metrics always use every bar; only the curve printed in the document is thinned.
        let curveLimit = maxPoints == 0 ? nil : maxPoints
        if json {
            // The document is written straight from the engine's output (no report records).
            let written = try runBacktestDocument(configuration: configuration, bars: bars, equityCurveLimit: curveLimit, pretty: true)
            let document = CLIResultsDocument(
                members: written.members,
                stats: noStats ? nil : .init(bars_processed: written.barsProcessed, engine_seconds: Self.seconds(since: started, clock)))
            document.write(to: STDOUT_FILENO)
        } else {
            let result = try runBacktest(configuration: configuration, bars: bars, equityCurveLimit: curveLimit)
            writeLine(MetricsTable.render(report: result.report, engineSeconds: Self.seconds(since: started, clock)), to: STDOUT_FILENO)
        }
    }

    static func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The bars of every market, from --data or from the exchange, and their timeframe.
    private func loadBars(symbols symbolList: [TradingSymbol], from startTime: Int64?, to endTime: Int64?) async throws -> ([TradingSymbol: [Bar]], Timeframe) {
        var bars: [TradingSymbol: [Bar]] = [:]
        var resolvedTimeframe = try timeframe.map { text throws(TradingError) in try Timeframe(parsing: text) }
        if let data {
            guard symbolList.count == 1 else {
                throw ValidationError("--data holds one market; give at most one --symbol")
            }
            let parsed = try CandleCSVParser.parse(contentsOf: data)
            var series = parsed.bars
            if let startTime { series.removeAll { $0.openTime < startTime } }
            if let endTime { series.removeAll { $0.openTime >= endTime } }
            guard !series.isEmpty else { throw ValidationError("no bars of \(data) fall in the requested range") }
            resolvedTimeframe = resolvedTimeframe ?? Self.inferTimeframe(series) ?? .oneHour
            bars[symbolList[0]] = series
        } else {
            let timeframe = resolvedTimeframe ?? .oneHour
            resolvedTimeframe = timeframe
            let (resolver, database) = try await makeResolver()
            var rangeStart = startTime
            var rangeEnd = endTime
            if exchange.lowercased() == SimExchange.id || VenueKind.isVenue(exchange) {
                // Venues and sim need a range: the last 90 days by default, ending at the last closed bar.
                let now = WallClock.nowMilliseconds()
                rangeEnd = rangeEnd ?? (now / timeframe.milliseconds) * timeframe.milliseconds
                rangeStart = rangeStart ?? rangeEnd! - 90 * 86_400_000
            }
            do {
                for symbol in symbolList {
                    bars[symbol] = try await resolver.bars(
                        exchange: exchange, symbol: symbol, timeframe: timeframe, from: rangeStart, to: rangeEnd)
                }
            } catch {
                await database?.close()
                throw error
            }
            await database?.close()
        }

        return (bars, resolvedTimeframe ?? .oneHour)
    }

    /// The resolver, and the database it reads (which the caller must close: SQLite connections
    /// are closed explicitly, never by deinitialisation).
    private func makeResolver() async throws -> (DataResolver, Database?) {
        if exchange.lowercased() == SimExchange.id { return (DataResolver(store: nil), nil) }
        let directory = DataDirectory(path: dataDir)
        try directory.create()
        let database = try await Database.open(directory: directory)
        return (DataResolver(store: database.candles, httpClient: VenueKind.isVenue(exchange) ? .shared : nil), database)
    }

    // MARK: Parsing

    static func parseTime(_ text: String, flag: String) throws -> Int64 {
        guard let value = ISO8601Text.parse(text) else {
            throw ValidationError("\(flag) '\(text)' is not an ISO 8601 date (e.g. 2024-01-01 or 2024-01-01T12:00:00Z)")
        }
        return value
    }

    /// `key=value` pairs; values are typed as the strategy's schema says during validation.
    static func parseParameters(_ pairs: [String]) throws -> [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--param '\(pair)' must look like key=value")
            }
            let key = String(pair[..<equals])
            let text = String(pair[pair.index(after: equals)...])
            if let integer = Int(text) {
                values[key] = .int(integer)
            } else if let number = Double(text) {
                values[key] = .float(number)
            } else if text == "true" || text == "false" {
                values[key] = .bool(text == "true")
            } else {
                values[key] = .string(text)
            }
        }
        return values
    }

    /// The timeframe whose period is the most common spacing between consecutive bars.
    static func inferTimeframe(_ bars: [Bar]) -> Timeframe? {
        guard bars.count >= 2 else { return nil }
        var counts: [Int64: Int] = [:]
        for index in 1..<min(bars.count, 1_000) {
            counts[bars[index].openTime - bars[index - 1].openTime, default: 0] += 1
        }
        guard let spacing = counts.max(by: { $0.value < $1.value })?.key else { return nil }
        if let exact = Timeframe.allCases.first(where: { $0.milliseconds == spacing }) { return exact }
        // Calendar months are 28–31 days apart.
        return (2_419_200_000...2_678_400_000).contains(spacing) ? .oneMonth : nil
    }
}

/// Which exchange names are downloadable venues (as opposed to `sim` or imported names).
enum VenueKind {
    static func isVenue(_ exchange: String) -> Bool {
        let id = exchange.lowercased()
        return id != SimExchange.id && ExchangeCapabilities.named(id) != nil
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> any Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
