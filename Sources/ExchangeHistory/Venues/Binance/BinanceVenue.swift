import TradingCore

/// Binance spot klines: `GET /api/v3/klines` (public, request weight 2).
///
/// - Symbol: `BASEQUOTE` (`BTC/USDT` → `BTCUSDT`).
/// - Interval: the contract spelling unchanged (`1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M`).
/// - Paging: `startTime`/`endTime` (inclusive, ms) with `limit=1000` (the documented maximum), oldest first.
/// - Rows: `[openTime, "open", "high", "low", "close", "volume", closeTime, "quoteVolume", trades, …]`.
/// - Errors: non-2xx with `{"code": -1121, "msg": "Invalid symbol."}`; 429 rate limit, 418 IP ban,
///   both with `Retry-After` in seconds.
public struct BinanceVenue: HistoryVenue {
    public init() {}

    public var id: String { "binance" }
    public var displayName: String { "Binance" }
    public var defaultBaseURL: String { "https://api.binance.com" }
    public var maxBarsPerRequest: Int { 1000 }
    public var defaultPageInterval: Duration { .milliseconds(100) }

    public func intervalParameter(for timeframe: Timeframe) -> String? { timeframe.rawValue }

    public func marketSymbol(for symbol: TradingSymbol) -> String { symbol.base + symbol.quote }

    public func makeRequest(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) -> VenueRequest {
        VenueRequest(path: "/api/v3/klines", query: [
            QueryItem("symbol", marketSymbol(for: symbol)),
            QueryItem("interval", intervalParameter(for: timeframe) ?? timeframe.rawValue),
            QueryItem("startTime", String(window.start)),
            QueryItem("endTime", String(window.end - 1)),
            QueryItem("limit", String(maxBarsPerRequest)),
        ])
    }

    struct Row: Decodable {
        let openTime: Int64
        let open: String
        let high: String
        let low: String
        let close: String
        let volume: String

        init(from decoder: any Decoder) throws {
            var row = try decoder.unkeyedContainer()
            openTime = try row.decode(Int64.self)
            open = try row.decode(String.self)
            high = try row.decode(String.self)
            low = try row.decode(String.self)
            close = try row.decode(String.self)
            volume = try row.decode(String.self)
        }
    }

    struct ErrorBody: Decodable {
        let code: Int?
        let msg: String?
    }

    public func parseCandles(_ body: [UInt8], timeframe: Timeframe, window: HistoryWindow) throws -> VenueCandles {
        if let failure = failure(status: 200, body: body) { throw failure }
        let rows = try Payload.decode([Row].self, from: body, venue: displayName)
        var candles: [VenueCandle] = []
        candles.reserveCapacity(rows.count)
        for row in rows {
            candles.append(VenueCandle(bar: Bar(
                openTime: row.openTime,
                open: try Payload.decimal(row.open, field: "open", venue: displayName),
                high: try Payload.decimal(row.high, field: "high", venue: displayName),
                low: try Payload.decimal(row.low, field: "low", venue: displayName),
                close: try Payload.decimal(row.close, field: "close", venue: displayName),
                volume: try Payload.decimal(row.volume, field: "volume", venue: displayName))))
        }
        return VenueCandles(candles: candles)
    }

    public func failure(status: Int, body: [UInt8]) -> VenueFailure? {
        guard let error = Payload.decodeIfPossible(ErrorBody.self, from: body), let message = error.msg else { return nil }
        // -1121 Invalid symbol; -1003 too many requests.
        let kind: VenueFailure.Kind = switch error.code {
        case -1121: .unknownSymbol
        case -1003: .rateLimited
        default: .rejected
        }
        return VenueFailure(kind, "Binance: \(message)", venueCode: error.code.map(String.init))
    }
}
