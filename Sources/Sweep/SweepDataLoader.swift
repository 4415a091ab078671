import AsyncHTTPClient
import DataAccess
import MarketData
import Storage
import TradingCore

/// Loads a sweep's bars the way `cracktrader backtest` does: `CandleCSVParser` for CSV files
/// (then the start/end filter, and the timeframe inferred from the bar spacing unless given), or
/// `DataResolver` for an exchange (`sim` generated offline; others through the candle store and,
/// for venues, downloads).
public enum SweepDataLoader {
    /// - Parameter readFailure: how an unreadable file or unavailable data counts: `.config` when
    ///   planning (the user must fix the path), `.transient` in a shard (the file may not have
    ///   reached this worker yet). Malformed data is always permanent.
    public static func load(_ config: SweepConfig, dataOverride: [TradingSymbol: String]? = nil,
                            readFailure: SweepError.Kind = .config) async throws(SweepError) -> SweepDataSet {
        func failure(_ error: TradingError, field: String) -> SweepError {
            let kind: SweepError.Kind = error.code == .dataUnavailable ? readFailure : (readFailure == .config ? .config : .permanent)
            return SweepError(kind: kind, code: error.code == .dataUnavailable ? "DATA_UNAVAILABLE" : "INVALID_DATA", message: error.message, field: field)
        }
        var bars: [TradingSymbol: [Bar]] = [:]
        var timeframe = config.timeframe
        switch config.data {
        case .csv(let configured):
            let files = dataOverride ?? configured
            for symbol in config.symbols {
                guard let path = files[symbol] else { throw SweepError.config("data", "no CSV file for \(symbol)") }
                let parsed: ParsedCandles
                do { parsed = try CandleCSVParser.parse(contentsOf: path) } catch { throw failure(error, field: "data") }
                var series = parsed.bars
                if let start = config.start { series.removeAll { $0.openTime < start } }
                if let end = config.end { series.removeAll { $0.openTime >= end } }
                guard !series.isEmpty else { throw SweepError.config("data", "no bars of \(path) fall in the requested range") }
                timeframe = timeframe ?? inferTimeframe(series) ?? .oneHour
                bars[symbol] = series
            }
        case .exchange(let exchange):
            let resolved = timeframe ?? .oneHour
            timeframe = resolved
            var database: Database?
            let resolver: DataResolver
            if exchange == SimExchange.id {
                resolver = DataResolver(store: nil)
            } else {
                do {
                    let directory = DataDirectory(path: config.dataDirectory)
                    try directory.create()
                    database = try await Database.open(directory: directory)
                } catch {
                    throw SweepError(kind: readFailure == .config ? .transient : readFailure, code: "STORE_UNAVAILABLE",
                                     message: "cannot open the candle store in \(config.dataDirectory): \(error)", field: "data_dir")
                }
                let isVenue = ExchangeCapabilities.named(exchange) != nil
                resolver = DataResolver(store: database!.candles, httpClient: isVenue ? .shared : nil)
            }
            do {
                for symbol in config.symbols {
                    bars[symbol] = try await resolver.bars(exchange: exchange, symbol: symbol, timeframe: resolved, from: config.start, to: config.end)
                }
            } catch {
                await database?.close()
                // A download that failed may work next time; anything else is the config's fault.
                let kind: SweepError.Kind = error.code == .dataUnavailable && exchange != SimExchange.id ? .transient : .config
                throw SweepError(kind: kind, code: error.code.rawValue, message: error.message, field: "exchange")
            }
            await database?.close()
        }
        return SweepDataSet(timeframe: timeframe ?? .oneHour, bars: bars)
    }

    /// The timeframe whose period is the most common spacing between consecutive bars
    /// (as `cracktrader backtest` infers it).
    public static func inferTimeframe(_ bars: [Bar]) -> Timeframe? {
        guard bars.count >= 2 else { return nil }
        var counts: [Int64: Int] = [:]
        for index in 1..<min(bars.count, 1_000) {
            counts[bars[index].openTime - bars[index - 1].openTime, default: 0] += 1
        }
        // Ties broken by the smaller spacing, so the choice never depends on dictionary order.
        guard let spacing = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else { return nil }
        if let exact = Timeframe.allCases.first(where: { $0.milliseconds == spacing }) { return exact }
        return (2_419_200_000...2_678_400_000).contains(spacing) ? .oneMonth : nil
    }
}
