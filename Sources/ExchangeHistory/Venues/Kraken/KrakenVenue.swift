import TradingCore

/// Kraken spot OHLC: `GET /0/public/OHLC`.
///
/// - Symbol: `BASEQUOTE` with Kraken's asset codes: `BTC` → `XBT`, `DOGE` → `XDG`
///   (`BTC/USD` → `XBTUSD`). The response keys the rows by Kraken's canonical pair name
///   (`XXBTZUSD`), plus `last`.
/// - Interval: minutes `1 5 15 30 60 240 1440 10080` (`21600`, 15 days, has no contract timeframe).
/// - Paging: only `since` (Unix seconds). **The endpoint returns at most the 720 most recent
///   entries; older history cannot be retrieved whatever `since` says.** The last row is the
///   current, uncommitted candle.
/// - Errors: HTTP 200 with a non-empty `error` array (`EQuery:Unknown asset pair`,
///   `EGeneral:Too many requests`…).
public struct KrakenVenue: HistoryVenue {
    public init() {}

    /// Entries the OHLC endpoint keeps per pair and interval.
    public static let retainedEntries = 720

    public var id: String { "kraken" }
    public var displayName: String { "Kraken" }
    public var defaultBaseURL: String { "https://api.kraken.com" }
    public var maxBarsPerRequest: Int { Self.retainedEntries }
    /// Public endpoints are limited to roughly one request per second.
    public var defaultPageInterval: Duration { .seconds(1) }

    public func intervalParameter(for timeframe: Timeframe) -> String? {
        switch timeframe {
        case .oneMinute: "1"
        case .fiveMinutes: "5"
        case .fifteenMinutes: "15"
        case .thirtyMinutes: "30"
        case .oneHour: "60"
        case .fourHours: "240"
        case .oneDay: "1440"
        case .oneWeek: "10080"
        default: nil
        }
    }

    /// Kraken's asset code for a common ticker.
    public static func assetCode(_ asset: String) -> String {
        switch asset {
        case "BTC": "XBT"
        case "DOGE": "XDG"
        default: asset
        }
    }

    public func marketSymbol(for symbol: TradingSymbol) -> String {
        Self.assetCode(symbol.base) + Self.assetCode(symbol.quote)
    }

    public func makeRequest(symbol: TradingSymbol, timeframe: Timeframe, window: HistoryWindow) -> VenueRequest {
        // `since` is exclusive in practice; one second earlier keeps the candle opening at `start`.
        let sinceSeconds = floorDivide(window.start, 1000) - 1
        return VenueRequest(path: "/0/public/OHLC", query: [
            QueryItem("pair", marketSymbol(for: symbol)),
            QueryItem("interval", intervalParameter(for: timeframe) ?? ""),
            QueryItem("since", String(sinceSeconds)),
        ])
    }

    struct Row: Decodable {
        let time: Int64
        let open: String
        let high: String
        let low: String
        let close: String
        let vwap: String
        let volume: String

        init(from decoder: any Decoder) throws {
            var row = try decoder.unkeyedContainer()
            time = Int64(try row.decode(Double.self))
            open = try row.decode(LooseScalar.self).text
            high = try row.decode(LooseScalar.self).text
            low = try row.decode(LooseScalar.self).text
            close = try row.decode(LooseScalar.self).text
            vwap = try row.decode(LooseScalar.self).text
            volume = try row.decode(LooseScalar.self).text
        }
    }

    struct Envelope: Decodable {
        let error: [String]
        let rows: [Row]?

        enum CodingKeys: String, CodingKey { case error, result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            error = try container.decodeIfPresent([String].self, forKey: .error) ?? []
            guard container.contains(.result), try !container.decodeNil(forKey: .result) else {
                rows = nil
                return
            }
            let result = try container.nestedContainer(keyedBy: DynamicKey.self, forKey: .result)
            var found: [Row]?
            for key in result.allKeys where key.stringValue != "last" {
                found = try result.decode([Row].self, forKey: key)
                break
            }
            rows = found
        }
    }

    static func classify(_ errors: [String]) -> VenueFailure.Kind {
        let joined = errors.joined(separator: " ")
        if joined.contains("Rate limit") || joined.contains("Too many requests") { return .rateLimited }
        if joined.hasPrefix("EService:") || joined.contains("Temporary lockout") { return .temporary }
        if joined.contains("Unknown asset pair") { return .unknownSymbol }
        return .rejected
    }

    public func parseCandles(_ body: [UInt8], timeframe: Timeframe, window: HistoryWindow) throws -> VenueCandles {
        let envelope = try Payload.decode(Envelope.self, from: body, venue: displayName)
        guard envelope.error.isEmpty else {
            throw VenueFailure(Self.classify(envelope.error), "Kraken: \(envelope.error.joined(separator: ", "))",
                               venueCode: envelope.error.first)
        }
        guard let rows = envelope.rows else {
            throw VenueFailure(.malformed, "Kraken: result has no OHLC rows: \(Payload.snippet(body))")
        }
        var candles: [VenueCandle] = []
        candles.reserveCapacity(rows.count)
        for row in rows {
            candles.append(VenueCandle(bar: Bar(
                openTime: row.time * 1000,
                open: try Payload.decimal(row.open, field: "open", venue: displayName),
                high: try Payload.decimal(row.high, field: "high", venue: displayName),
                low: try Payload.decimal(row.low, field: "low", venue: displayName),
                close: try Payload.decimal(row.close, field: "close", venue: displayName),
                volume: try Payload.decimal(row.volume, field: "volume", venue: displayName))))
        }
        // A full 720-entry answer that starts after the requested start means Kraken dropped the
        // older part of the window.
        var oldestAvailable: Int64?
        if rows.count >= Self.retainedEntries, let first = candles.first?.bar.openTime, first > window.start {
            oldestAvailable = first
        }
        return VenueCandles(candles: candles, oldestAvailable: oldestAvailable)
    }

    public func failure(status: Int, body: [UInt8]) -> VenueFailure? {
        guard let envelope = Payload.decodeIfPossible(Envelope.self, from: body), !envelope.error.isEmpty else { return nil }
        return VenueFailure(Self.classify(envelope.error), "Kraken: \(envelope.error.joined(separator: ", "))",
                            venueCode: envelope.error.first)
    }

    private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }
}
