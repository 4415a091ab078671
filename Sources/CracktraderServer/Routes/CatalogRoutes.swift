import DataAccess
import Hummingbird
import MarketData
import NIOCore
import TradingCore

/// What UI forms and charts need: `/strategies`, `/exchanges` and `/candles`.
struct CatalogRoutes {
    let resolver: DataResolver
    let options: RunnerOptions
    /// Saved Pine scripts, listed after the built-ins (see `ScriptCatalog.swift`).
    var scripts: ScriptLibrary?

    struct StrategyList: Encodable, Sendable {
        struct Parameter: Encodable, Sendable {
            let name: String
            let type: String
            @ExplicitNull var `default`: JSONValue?
            @ExplicitNull var min: Double?
            @ExplicitNull var max: Double?
            let description: String
            @ExplicitNull var choices: [String]?
        }
        struct Entry: Encodable, Sendable {
            let name: String
            let description: String
            let parameters: [Parameter]
        }
        let strategies: [Entry]
    }

    struct ExchangeList: Encodable, Sendable {
        struct Credential: Encodable, Sendable {
            let name: String
            let label: String
            let secret: Bool
        }
        struct Fees: Encodable, Sendable {
            let maker: Double
            let taker: Double
        }
        struct Entry: Encodable, Sendable {
            let id: String
            let display_name: String
            let timeframes: [String]
            let modes: [String]
            /// Modes this server version can run on the exchange (`live`/`sandbox` are not wired yet).
            let available_modes: [String]
            let sandbox_notes: String
            let credential_fields: [Credential]
            let fees: Fees
        }
        let exchanges: [Entry]
    }

    struct CandleList: Encodable, Sendable {
        let exchange: String
        let symbol: String
        let timeframe: String
        /// `[timestamp_ms, open, high, low, close, volume]` rows, oldest first.
        let candles: [[Double]]
    }

    /// Both lists never change while the server runs: encoded once.
    static let strategiesBody: ByteBuffer = {
        let list = StrategyList(strategies: StrategyRegistry.descriptors.map { descriptor in
            StrategyList.Entry(
                name: descriptor.name, description: descriptor.description,
                parameters: descriptor.parameters.map { spec in
                    StrategyList.Parameter(
                        name: spec.name, type: spec.type.rawValue, default: spec.defaultValue.map(RunPlanner.json),
                        min: spec.minimum, max: spec.maximum, description: spec.description, choices: spec.allowedValues)
                })
        })
        return (try? JSONCoding.encode(list)) ?? ByteBuffer(string: #"{"strategies":[]}"#)
    }()

    static let exchangesBody: ByteBuffer = {
        let list = ExchangeList(exchanges: ExchangeCapabilities.catalogue.map { exchange in
            ExchangeList.Entry(
                id: exchange.id, display_name: exchange.displayName, timeframes: exchange.timeframes.map(\.rawValue),
                modes: exchange.modes.map(\.rawValue),
                available_modes: exchange.modes.filter { $0 == .backtest || ($0 == .paper && exchange.id == SimExchange.id) }.map(\.rawValue),
                sandbox_notes: exchange.sandboxNotes,
                credential_fields: exchange.credentialFields.map { .init(name: $0.name, label: $0.label, secret: $0.isSecret) },
                fees: .init(maker: exchange.makerFee, taker: exchange.takerFee))
        })
        return (try? JSONCoding.encode(list)) ?? ByteBuffer(string: #"{"exchanges":[]}"#)
    }()

    /// Most candles one request returns (the newest are kept).
    static let candleLimit = 10_000

    func register(on routes: inout RouteRegistrar) throws {
        let scripts = self.scripts
        try routes.add(.get, "/api/v1/strategies") { _, _ in
            guard let scripts else { return JSONResponse.raw(Self.strategiesBody) }
            return try JSONResponse.ok(try await ScriptCatalog.strategies(scripts))
        }
        try routes.add(.get, "/api/v1/exchanges") { _, _ in JSONResponse.raw(Self.exchangesBody) }
        let resolver = self.resolver
        let options = self.options
        try routes.add(.get, "/api/v1/candles") { request, _ in
            let query = request.uri.queryParameters
            let exchange = query["exchange"].map(String.init)?.lowercased() ?? SimExchange.id
            guard let symbolText = query["symbol"].map(String.init), !symbolText.isEmpty else {
                throw APIError(
                    status: .badRequest, code: "VALIDATION_ERROR", message: "query parameter symbol is required (e.g. BTC/USDT)",
                    details: ["fields": ["symbol": "is required"]])
            }
            let symbol: TradingSymbol
            do throws(TradingError) { symbol = try TradingSymbol(parsing: symbolText) } catch { throw APIError(error) }
            let timeframe: Timeframe
            do throws(TradingError) { timeframe = try Timeframe(parsing: query["timeframe"].map(String.init) ?? "1h") } catch { throw APIError(error) }
            func time(_ name: String) throws(APIError) -> Int64? {
                guard let text = query[Substring(name)].map(String.init), !text.isEmpty else { return nil }
                guard let parsed = Int64(text) ?? ISO8601Text.parse(text), parsed >= 0, parsed <= RunPlanner.latestTime else {
                    throw APIError(
                        status: .badRequest, code: "VALIDATION_ERROR",
                        message: "query parameter \(name) must be an ISO 8601 timestamp or epoch milliseconds between 1970 and 9999",
                        details: ["fields": .object([name: "must be an ISO 8601 timestamp or epoch milliseconds"])])
                }
                return parsed
            }
            let now = options.now()
            let end = try time("end") ?? PeriodCalendar.nextPeriodStart(
                after: PeriodCalendar.periodStart(containing: now, timeframe: timeframe), timeframe: timeframe)
            var start = try time("start") ?? max(0, end - 500 * timeframe.milliseconds)
            guard end > start else {
                throw APIError(
                    status: .badRequest, code: "INVALID_DATE_RANGE", message: "end must be after start",
                    details: ["start": .string(ISO8601Timestamp.string(fromMilliseconds: start)), "end": .string(ISO8601Timestamp.string(fromMilliseconds: end))])
            }
            // Only the newest `candleLimit` bars of a long range.
            start = max(start, end - Int64(Self.candleLimit) * timeframe.milliseconds)
            if ExchangeCapabilities.named(exchange) == nil {
                let available = ExchangeCapabilities.catalogue.map(\.id)
                throw APIError(
                    status: .badRequest, code: "UNKNOWN_EXCHANGE",
                    message: "unknown exchange '\(exchange)'; available: \(available.joined(separator: ", "))",
                    details: ["exchange": .string(exchange), "available": .array(available.map(JSONValue.string))])
            }
            let bars: [Bar]
            do throws(TradingError) {
                bars = try await resolver.bars(exchange: exchange, symbol: symbol, timeframe: timeframe, from: start, to: end)
            } catch {
                throw APIError(error)
            }
            let rows = bars.suffix(Self.candleLimit).map { [Double($0.openTime), $0.open, $0.high, $0.low, $0.close, $0.volume] }
            return try JSONResponse.ok(CandleList(exchange: exchange, symbol: symbol.description, timeframe: timeframe.rawValue, candles: rows))
        }
    }
}
