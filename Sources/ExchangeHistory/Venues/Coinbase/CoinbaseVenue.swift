import MarketData
import TradingCore

/// Coinbase Exchange product candles: `GET /products/{product_id}/candles`.
///
/// - Symbol: product id `BASE-QUOTE` (`BTC-USD`).
/// - Granularity (seconds): `60 300 900 3600 21600 86400` only (1m 5m 15m 1h 6h 1d); anything
///   else is rejected by the venue.
/// - Paging: `start`/`end` ISO 8601; at most 300 candles per request (a wider range is rejected),
///   rows newest first; candles may precede `start`, and buckets without trades are absent.
/// - Rows: `[time (Unix s), low, high, open, close, volume]`, JSON numbers.
/// - A `User-Agent` header is required (the downloader always sends one).
/// - Errors: non-2xx with `{"message": "…"}`.
public struct CoinbaseVenue: HistoryVenue {
    public init() {}

    public var id: String { "coinbase" }
    public var displayName: String { "Coinbase" }
    public var defaultBaseURL: String { "https://api.exchange.coinbase.com" }
    public var maxBarsPerRequest: Int { 300 }
    /// Public endpoints allow about 10 requests per second per IP.
    public var defaultPageInterval: Duration { .milliseconds(150) }

    public func intervalParameter(for timeframe: Timeframe) -> String? {
        switch timeframe {
        case .oneMinute: "60"
        case .fiveMinutes: "300"
        case .fifteenMinutes: "900"
        case .oneHour: "3600"
        case .sixHours: "21600"
        case .oneDay: "86400"
        default: nil
        }
    }

    public func marketSymbol(for symbol: TradingSymbol) -> String { symbol.base + "-" + symbol.quote }

    public func makeRequest(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) -> VenueRequest {
        // `end` is inclusive at Coinbase: stop one second before the window end so a full window is
        // exactly 300 buckets.
        VenueRequest(path: "/products/\(URLText.percentEncode(marketSymbol(for: symbol)))/candles", query: [
            QueryItem("granularity", intervalParameter(for: timeframe) ?? ""),
            QueryItem("start", ISO8601Text.format(window.start)),
            QueryItem("end", ISO8601Text.format(window.end - 1000)),
        ])
    }

    struct ErrorBody: Decodable {
        let message: String?
    }

    public func parseCandles(_ body: [UInt8], timeframe: Timeframe, window: HistoryWindow) throws -> VenueCandles {
        if let failure = failure(status: 200, body: body) { throw failure }
        let rows = try Payload.decode([[LooseScalar]].self, from: body, venue: displayName)
        var candles: [VenueCandle] = []
        candles.reserveCapacity(rows.count)
        for row in rows {
            guard row.count >= 6 else {
                throw VenueFailure(.malformed, "Coinbase: candle row has \(row.count) fields, expected 6")
            }
            let seconds = try Payload.decimal(row[0].text, field: "time", venue: displayName)
            candles.append(VenueCandle(bar: Bar(
                openTime: Int64(seconds) * 1000,
                open: try Payload.decimal(row[3].text, field: "open", venue: displayName),
                high: try Payload.decimal(row[2].text, field: "high", venue: displayName),
                low: try Payload.decimal(row[1].text, field: "low", venue: displayName),
                close: try Payload.decimal(row[4].text, field: "close", venue: displayName),
                volume: try Payload.decimal(row[5].text, field: "volume", venue: displayName))))
        }
        return VenueCandles(candles: candles)
    }

    public func failure(status: Int, body: [UInt8]) -> VenueFailure? {
        guard let message = Payload.decodeIfPossible(ErrorBody.self, from: body)?.message else { return nil }
        // An unknown product answers 404 {"message":"NotFound"}.
        return VenueFailure(status == 404 ? .unknownSymbol : .rejected, "Coinbase: \(message)")
    }
}
