import TradingCore

/// Bybit v5 spot klines: `GET /v5/market/kline?category=spot`.
///
/// - Symbol: `BASEQUOTE` upper-case (`BTCUSDT`).
/// - Interval: minutes `1 3 5 15 30 60 120 240 360 720`, then `D`, `W`, `M`.
/// - Paging: `start`/`end` (inclusive, ms), `limit` 1…1000 (default 200); `result.list` is sorted
///   newest first.
/// - Errors: HTTP 200 with `retCode != 0` and `retMsg`; `10006` = too many visits (retried),
///   `10016` = server error (retried).
public struct BybitVenue: HistoryVenue {
    public init() {}

    public var id: String { "bybit" }
    public var displayName: String { "Bybit" }
    public var defaultBaseURL: String { "https://api.bybit.com" }
    public var maxBarsPerRequest: Int { 1000 }
    public var defaultPageInterval: Duration { .milliseconds(100) }

    public func intervalParameter(for timeframe: Timeframe) -> String? {
        switch timeframe {
        case .oneMinute: "1"
        case .threeMinutes: "3"
        case .fiveMinutes: "5"
        case .fifteenMinutes: "15"
        case .thirtyMinutes: "30"
        case .oneHour: "60"
        case .twoHours: "120"
        case .fourHours: "240"
        case .sixHours: "360"
        case .twelveHours: "720"
        case .oneDay: "D"
        case .oneWeek: "W"
        case .oneMonth: "M"
        case .oneSecond, .eightHours, .threeDays: nil
        }
    }

    public func marketSymbol(for symbol: TradingSymbol) -> String { symbol.base + symbol.quote }

    public func makeRequest(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) -> VenueRequest {
        VenueRequest(path: "/v5/market/kline", query: [
            QueryItem("category", "spot"),
            QueryItem("symbol", marketSymbol(for: symbol)),
            QueryItem("interval", intervalParameter(for: timeframe) ?? ""),
            QueryItem("start", String(window.start)),
            QueryItem("end", String(window.end - 1)),
            QueryItem("limit", String(maxBarsPerRequest)),
        ])
    }

    struct Envelope: Decodable {
        struct Result: Decodable {
            let list: [[String]]?
        }
        let retCode: Int
        let retMsg: String?
        let result: Result?
    }

    public func parseCandles(_ body: [UInt8], timeframe: Timeframe, window: HistoryWindow) throws -> VenueCandles {
        let envelope = try Payload.decode(Envelope.self, from: body, venue: displayName)
        guard envelope.retCode == 0 else {
            throw Self.failure(envelope)
        }
        let rows = envelope.result?.list ?? []
        var candles: [VenueCandle] = []
        candles.reserveCapacity(rows.count)
        for row in rows {
            guard row.count >= 6 else {
                throw VenueFailure(.malformed, "Bybit: kline row has \(row.count) fields, expected 7")
            }
            candles.append(VenueCandle(bar: Bar(
                openTime: try Payload.integer(row[0], field: "startTime", venue: displayName),
                open: try Payload.decimal(row[1], field: "openPrice", venue: displayName),
                high: try Payload.decimal(row[2], field: "highPrice", venue: displayName),
                low: try Payload.decimal(row[3], field: "lowPrice", venue: displayName),
                close: try Payload.decimal(row[4], field: "closePrice", venue: displayName),
                volume: try Payload.decimal(row[5], field: "volume", venue: displayName))))
        }
        return VenueCandles(candles: candles)
    }

    static func failure(_ envelope: Envelope) -> VenueFailure {
        let message = envelope.retMsg ?? "error"
        let kind: VenueFailure.Kind = switch envelope.retCode {
        case 10006, 10018: .rateLimited
        case 10016: .temporary
        // 10001 is "params error"; Bybit says "Not supported symbols" / "symbol invalid" for unknown markets.
        case 10001 where message.lowercased().contains("symbol"): .unknownSymbol
        default: .rejected
        }
        return VenueFailure(kind, "Bybit: \(message)", venueCode: String(envelope.retCode))
    }

    public func failure(status: Int, body: [UInt8]) -> VenueFailure? {
        guard let envelope = Payload.decodeIfPossible(Envelope.self, from: body), envelope.retCode != 0 else { return nil }
        return Self.failure(envelope)
    }
}
