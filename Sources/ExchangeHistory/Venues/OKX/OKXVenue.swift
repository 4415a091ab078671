import TradingCore

/// OKX candlestick history: `GET /api/v5/market/history-candles`.
///
/// - Symbol: instrument id `BASE-QUOTE` (`BTC-USDT`).
/// - Bar: `1m 3m 5m 15m 30m 1H 2H 4H`, and for 6 h and longer the UTC-aligned variants
///   `6Hutc 12Hutc 1Dutc 3Dutc 1Wutc 1Mutc` (the plain `6H`…`1M` bars open at UTC+8).
/// - Paging: `after` = records with `ts` earlier than the value, `before` = records newer than the
///   value; at most 100 per request; newest first.
/// - Rows: `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`, `confirm` `"1"` = closed.
/// - Errors: `code != "0"` with `msg`; `50011` = rate limit (retried), `50001`/`50013` = busy (retried).
public struct OKXVenue: HistoryVenue {
    public init() {}

    public var id: String { "okx" }
    public var displayName: String { "OKX" }
    public var defaultBaseURL: String { "https://www.okx.com" }
    public var maxBarsPerRequest: Int { 100 }
    /// The endpoint allows 20 requests per 2 s per IP.
    public var defaultPageInterval: Duration { .milliseconds(150) }

    public func intervalParameter(for timeframe: Timeframe) -> String? {
        switch timeframe {
        case .oneMinute: "1m"
        case .threeMinutes: "3m"
        case .fiveMinutes: "5m"
        case .fifteenMinutes: "15m"
        case .thirtyMinutes: "30m"
        case .oneHour: "1H"
        case .twoHours: "2H"
        case .fourHours: "4H"
        case .sixHours: "6Hutc"
        case .twelveHours: "12Hutc"
        case .oneDay: "1Dutc"
        case .threeDays: "3Dutc"
        case .oneWeek: "1Wutc"
        case .oneMonth: "1Mutc"
        case .oneSecond, .eightHours: nil
        }
    }

    public func marketSymbol(for symbol: TradingSymbol) -> String { symbol.base + "-" + symbol.quote }

    public func makeRequest(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) -> VenueRequest {
        VenueRequest(path: "/api/v5/market/history-candles", query: [
            QueryItem("instId", marketSymbol(for: symbol)),
            QueryItem("bar", intervalParameter(for: timeframe) ?? ""),
            QueryItem("after", String(window.end)),
            QueryItem("before", String(window.start - 1)),
            QueryItem("limit", String(maxBarsPerRequest)),
        ])
    }

    struct Envelope: Decodable {
        let code: String
        let msg: String?
        let data: [[String]]?
    }

    public func parseCandles(_ body: [UInt8], timeframe: Timeframe, window: HistoryWindow) throws -> VenueCandles {
        let envelope = try Payload.decode(Envelope.self, from: body, venue: displayName)
        guard envelope.code == "0" else { throw Self.failure(envelope) }
        let rows = envelope.data ?? []
        var candles: [VenueCandle] = []
        candles.reserveCapacity(rows.count)
        for row in rows {
            guard row.count >= 6 else {
                throw VenueFailure(.malformed, "OKX: candle row has \(row.count) fields, expected 9")
            }
            let confirm: Bool? = row.count >= 9 ? row[8] == "1" : nil
            candles.append(VenueCandle(
                bar: Bar(
                    openTime: try Payload.integer(row[0], field: "ts", venue: displayName),
                    open: try Payload.decimal(row[1], field: "o", venue: displayName),
                    high: try Payload.decimal(row[2], field: "h", venue: displayName),
                    low: try Payload.decimal(row[3], field: "l", venue: displayName),
                    close: try Payload.decimal(row[4], field: "c", venue: displayName),
                    volume: try Payload.decimal(row[5], field: "vol", venue: displayName)),
                isClosed: confirm))
        }
        return VenueCandles(candles: candles)
    }

    static func failure(_ envelope: Envelope) -> VenueFailure {
        let kind: VenueFailure.Kind = switch envelope.code {
        case "50011", "50061": .rateLimited
        case "50001", "50004", "50013", "50026": .temporary
        case "51001": .unknownSymbol  // Instrument ID does not exist
        default: .rejected
        }
        return VenueFailure(kind, "OKX: \(envelope.msg.flatMap { $0.isEmpty ? nil : $0 } ?? "error")", venueCode: envelope.code)
    }

    public func failure(status: Int, body: [UInt8]) -> VenueFailure? {
        guard let envelope = Payload.decodeIfPossible(Envelope.self, from: body), envelope.code != "0" else { return nil }
        return Self.failure(envelope)
    }
}
