import AsyncHTTPClient
import ExchangeHistory
import MarketData
import Storage
import TradingCore

/// Finds the bars a run asks for, the same way for the server and for `cracktrader backtest --exchange`:
///
/// 1. `sim` is generated on the spot: it is deterministic and faster than any cache.
/// 2. Otherwise the candle store is asked first. For a venue that can be downloaded from (Binance,
///    Bybit, OKX, Kraken, Coinbase), only the missing ranges are fetched and stored, then the
///    range is read back from the store, so a second run is offline.
/// 3. A name that is not a venue (bars imported with `cracktrader data import --exchange NAME`)
///    is served from the store alone.
/// Anything else fails with `DATA_UNAVAILABLE`, naming the exchange, symbol, timeframe and range.
public struct DataResolver: Sendable {
    /// The candle cache; nil for a resolver that may only generate `sim` data.
    public let store: CandleStore?
    /// Used for venue downloads; nil keeps the resolver offline.
    public let httpClient: HTTPClient?
    /// Per-venue base URL overrides (proxies, regional endpoints, tests), keyed by exchange id.
    public let baseURLs: [String: String]

    public init(store: CandleStore?, httpClient: HTTPClient? = nil, baseURLs: [String: String] = [:]) {
        self.store = store
        self.httpClient = httpClient
        self.baseURLs = baseURLs
    }

    /// Bars of `symbol` at `timeframe` with `from <= openTime < to`, ascending.
    ///
    /// A nil bound means "as far as the store goes" and is only meaningful for stored data; `sim`
    /// and venues need both bounds.
    public func bars(
        exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64?, to: Int64?,
        progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
    ) async throws(TradingError) -> [Bar] {
        let exchangeID = exchange.lowercased()
        if let from, let to, to <= from {
            throw TradingError(
                code: .invalidDateRange,
                message: "the end (\(ISO8601Timestamp.string(fromMilliseconds: to))) must be after the start (\(ISO8601Timestamp.string(fromMilliseconds: from)))",
                details: ["start": .text(ISO8601Timestamp.string(fromMilliseconds: from)), "end": .text(ISO8601Timestamp.string(fromMilliseconds: to))])
        }
        let capabilities = ExchangeCapabilities.named(exchangeID)
        if let capabilities, !capabilities.supports(timeframe) {
            throw TradingError(
                code: .invalidTimeframe,
                message: "\(capabilities.displayName) has no \(timeframe) candles; it offers \(capabilities.timeframes.map(\.rawValue).joined(separator: " "))",
                details: ["exchange": .text(exchangeID), "timeframe": .text(timeframe.rawValue), "accepted": .list(capabilities.timeframes.map(\.rawValue))])
        }
        if exchangeID == SimExchange.id {
            guard let from, let to else { throw Self.needsRange(exchangeID) }
            let bars = try SimExchange.bars(symbol: symbol, timeframe: timeframe, from: from, to: to)
            return try Self.nonEmpty(bars, exchange: exchangeID, symbol: symbol, timeframe: timeframe, from: from, to: to)
        }
        if let venue = VenueID(id: exchangeID) {
            guard let from, let to else { throw Self.needsRange(exchangeID) }
            return try await venueBars(venue, exchange: exchangeID, symbol: symbol, timeframe: timeframe, from: from, to: to, progress: progress)
        }
        return try await storedBars(exchange: exchangeID, symbol: symbol, timeframe: timeframe, from: from, to: to)
    }

    // MARK: Sources

    private func venueBars(
        _ venue: VenueID, exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64, to: Int64,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws(TradingError) -> [Bar] {
        guard let store else { throw Self.unavailable(exchange, symbol, timeframe, from, to, reason: "no candle store is open") }
        do {
            if let httpClient {
                let downloader = HistoryDownloader(httpClient: httpClient, venue: venue, baseURL: baseURLs[exchange])
                _ = try await store.topUp(exchange: exchange, symbol: symbol, timeframe: timeframe, from: from, to: to) { start, end in
                    try await downloader.download(symbol: symbol, timeframe: timeframe, from: start, to: end, progress: progress)
                }
            }
            let bars = try await store.bars(exchange: exchange, symbol: symbol, timeframe: timeframe, from: from, to: to)
            if bars.isEmpty {
                let reason = httpClient == nil
                    ? "nothing is cached and downloads are off" : "the exchange returned no candles for this range"
                throw Self.unavailable(exchange, symbol, timeframe, from, to, reason: reason)
            }
            return bars
        } catch let error as TradingError {
            throw error
        } catch {
            throw Self.unavailable(exchange, symbol, timeframe, from, to, reason: "\(error)")
        }
    }

    private func storedBars(
        exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64?, to: Int64?
    ) async throws(TradingError) -> [Bar] {
        guard let store else {
            throw TradingError(
                code: .unknownExchange,
                message: "unknown exchange '\(exchange)'; available: \(ExchangeCapabilities.catalogue.map(\.id).joined(separator: ", "))",
                details: ["exchange": .text(exchange), "available": .list(ExchangeCapabilities.catalogue.map(\.id))])
        }
        do {
            guard let coverage = try await store.coverage(exchange: exchange, symbol: symbol, timeframe: timeframe) else {
                let known = try await store.allCoverage().contains { $0.exchange == exchange }
                if !known {
                    throw TradingError(
                        code: .unknownExchange,
                        message: "unknown exchange '\(exchange)': it is not a supported venue and no candles were imported under that name; available: \(ExchangeCapabilities.catalogue.map(\.id).joined(separator: ", "))",
                        details: ["exchange": .text(exchange), "available": .list(ExchangeCapabilities.catalogue.map(\.id))])
                }
                throw TradingError(
                    code: .dataUnavailable,
                    message: "no \(timeframe) candles for \(symbol) are stored under '\(exchange)'; import them with `cracktrader data import`",
                    details: ["exchange": .text(exchange), "symbol": .text(symbol.description), "timeframe": .text(timeframe.rawValue)])
            }
            let start = from ?? coverage.firstOpenTime
            let end = to ?? coverage.lastOpenTime + 1
            let bars = try await store.bars(exchange: exchange, symbol: symbol, timeframe: timeframe, from: start, to: end)
            return try Self.nonEmpty(bars, exchange: exchange, symbol: symbol, timeframe: timeframe, from: start, to: end)
        } catch let error as TradingError {
            throw error
        } catch {
            throw TradingError(code: .dataUnavailable, message: "the candle store failed: \(error)", details: ["exchange": .text(exchange)])
        }
    }

    // MARK: Errors

    private static func nonEmpty(
        _ bars: [Bar], exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64, to: Int64
    ) throws(TradingError) -> [Bar] {
        if bars.isEmpty { throw unavailable(exchange, symbol, timeframe, from, to, reason: "the range holds no candles") }
        return bars
    }

    static func unavailable(
        _ exchange: String, _ symbol: TradingSymbol, _ timeframe: Timeframe, _ from: Int64, _ to: Int64, reason: String
    ) -> TradingError {
        let start = ISO8601Timestamp.string(fromMilliseconds: from)
        let end = ISO8601Timestamp.string(fromMilliseconds: to)
        return TradingError(
            code: .dataUnavailable,
            message: "no \(timeframe) data for \(symbol) on \(exchange) from \(start) to \(end): \(reason)",
            details: [
                "exchange": .text(exchange), "symbol": .text(symbol.description), "timeframe": .text(timeframe.rawValue),
                "missing_start": .text(start), "missing_end": .text(end), "reason": .text(reason),
            ])
    }

    private static func needsRange(_ exchange: String) -> TradingError {
        TradingError(
            code: .invalidDateRange, message: "a start and an end date are needed for \(exchange) data",
            details: ["exchange": .text(exchange)])
    }
}
