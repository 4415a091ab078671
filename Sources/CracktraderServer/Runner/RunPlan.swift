#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DataAccess
import Execution
import HTTPTypes
import MarketData
import Storage
import TradingCore

/// How a run gets its bars and fills (`/status` `mode`).
enum RunMode: String, Sendable, Hashable {
    /// History, the simulated broker.
    case backtest
    /// Live bars, the simulated broker.
    case paper
    /// Live bars, real orders on the venue's testnet / demo (`mode: live` + `sandbox: true`).
    case sandbox
    /// Live bars, real orders with real money.
    case live

    /// Sandbox and live runs send orders to a venue.
    var tradesOnVenue: Bool { self == .sandbox || self == .live }
}

/// What a sandbox or live run needs to reach its venue. The credentials live here, in memory,
/// for the run only; nothing in this type is ever encoded, stored or logged.
struct VenueRunSettings: Sendable {
    var configuration: VenueConfiguration
    /// `POST /run/stop` cancels the run's open orders (`cancel_open_orders_on_stop`, default true).
    var cancelOpenOrdersOnStop: Bool
}

/// A validated run request: everything the runner needs, with defaults filled in.
struct RunPlan: Sendable {
    var mode: RunMode
    var configuration: BacktestConfiguration
    /// Lower-case exchange id.
    var exchange: String
    /// Backtest range `[from, to)` in ms UTC (paper: nil).
    var from: Int64?
    var to: Int64?
    /// Paper: market time runs this many times faster than the wall clock.
    var speed: Double
    /// Paper: end the run (status `completed`) after this many bars; nil = until stopped.
    var maxBars: Int?
    /// The request as echoed in `config`, secrets masked.
    var config: JSONValue
    /// Paper runs: the validated risk guards (echoed; see docs/live-trading.md).
    var risk = RiskLimits()
    /// Sandbox and live runs: how to reach the venue (nil otherwise).
    var venue: VenueRunSettings?
    /// Bars the run is expected to process (backtest), for progress.
    var expectedBars: Int?
    /// A saved Pine script run instead of a built-in strategy (see `ScriptRun.swift`).
    var script: ScriptRunSpec?
}

/// Defaults and limits of run requests (documented in docs/api.md).
public struct RunnerOptions: Sendable {
    /// Paper runs: market-time speed factor when the request gives none. 60 makes a `1m` bar
    /// arrive every second and a `1h` bar every minute.
    public var paperSpeed: Double
    /// Current wall-clock time in ms UTC (tests inject a fixed clock).
    public var now: @Sendable () -> Int64
    /// Equity points `/results` returns when `max_points` is not given.
    public var defaultMaxPoints: Int
    /// Largest backtest accepted, in bars per symbol.
    public var maximumBars: Int
    /// Builds the data resolver from the candle store (the `serve` command adds an HTTP client
    /// for venue downloads). Nil: stored and `sim` data only.
    public var makeDataResolver: (@Sendable (CandleStore) -> DataResolver)?
    /// Reads an environment variable: where `CRACKTRADER_<EXCHANGE>_API_KEY`, `_SECRET` and
    /// `_PASSWORD` come from (tests inject their own).
    public var environment: @Sendable (String) -> String?
    /// Sandbox and live runs: how often working orders are queried by client order id (the
    /// fallback to the venue's private stream, and the check of `max_daily_loss`).
    public var venuePollInterval: Duration = .seconds(2)
    /// Sandbox and live runs: seconds one venue request may take before its outcome is unknown.
    public var venueRequestTimeoutSeconds: Double = 10
    /// Sandbox and live runs: how long after a candle's close it is asked for.
    public var venueFeedSettle: Duration = .seconds(2)

    public init(
        paperSpeed: Double = 60, now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() },
        defaultMaxPoints: Int = 2_000, maximumBars: Int = 5_000_000,
        makeDataResolver: (@Sendable (CandleStore) -> DataResolver)? = nil,
        environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }
    ) {
        self.environment = environment
        self.paperSpeed = paperSpeed
        self.now = now
        self.defaultMaxPoints = defaultMaxPoints
        self.maximumBars = maximumBars
        self.makeDataResolver = makeDataResolver
    }

    /// Default range of a backtest without dates: the last 90 days, at most this many bars.
    public static let defaultRangeDays: Int64 = 90
    public static let defaultRangeMaximumBars: Int64 = 1_000_000
}

enum RunPlanner {
    /// 9999-12-31T23:59:59.999Z: the last instant a date may name.
    static let latestTime: Int64 = 253_402_300_799_999
    static let secretMarkers = ["secret", "key", "password", "token", "passphrase"]

    /// Validates a `POST /run/backtest` or `POST /run/live` body.
    ///
    /// Field-shape problems are all collected into one `VALIDATION_ERROR`; then the domain checks
    /// run in this order: strategy, parameters, symbols, timeframe, exchange, date range.
    ///
    /// `script` is the saved script `strategy_name` names (looked up by the route); `scriptNames`
    /// lists every saved script for `UNKNOWN_STRATEGY`'s `available`.
    static func plan(
        body: [String: JSONValue], live: Bool, options: RunnerOptions, script: ScriptSelection? = nil, scriptNames: [String] = []
    ) throws(APIError) -> RunPlan {
        var fieldErrors: [(String, String)] = []
        func string(_ key: String, required: Bool) -> String? {
            switch body[key] {
            case .string(let text): return text
            case nil, .null?:
                if required { fieldErrors.append((key, "is required")) }
                return nil
            default:
                fieldErrors.append((key, "must be a string"))
                return nil
            }
        }
        func number(_ key: String) -> Double? {
            switch body[key] {
            case .number(let value):
                if !value.isFinite { fieldErrors.append((key, "must be a finite number")) }
                return value
            case nil, .null?: return nil
            default:
                fieldErrors.append((key, "must be a number"))
                return nil
            }
        }

        let strategyName = string("strategy_name", required: true)
        if let strategyName, strategyName.isEmpty { fieldErrors.append(("strategy_name", "must not be empty")) }
        var symbolTexts: [String] = []
        switch body["symbols"] {
        case .array(let items):
            if items.isEmpty { fieldErrors.append(("symbols", "must list at least one symbol")) }
            for (index, item) in items.enumerated() {
                if case .string(let text) = item { symbolTexts.append(text) } else {
                    fieldErrors.append(("symbols[\(index)]", "must be a string such as BTC/USDT"))
                }
            }
            if items.count > 20 { fieldErrors.append(("symbols", "must list at most 20 symbols")) }
        case nil, .null?: fieldErrors.append(("symbols", "is required"))
        default: fieldErrors.append(("symbols", "must be an array of strings"))
        }
        var parameters: [String: ParameterValue] = [:]
        switch body["strategy_params"] {
        case .object(let object):
            for (name, value) in object {
                switch value {
                case .number(let number) where number.isFinite:
                    parameters[name] = number.rounded() == number && abs(number) < 9e15 ? .int(Int(number)) : .float(number)
                case .bool(let flag): parameters[name] = .bool(flag)
                case .string(let text): parameters[name] = .string(text)
                case .null: break
                default: fieldErrors.append(("strategy_params.\(name)", "must be a number, boolean or string"))
                }
            }
        case nil, .null?: break
        default: fieldErrors.append(("strategy_params", "must be an object"))
        }
        let timeframeText = string("timeframe", required: false) ?? "1h"
        let exchange = (string("exchange", required: false) ?? SimExchange.id).lowercased()
        let initialCash = number("initial_cash") ?? 10_000
        if initialCash.isFinite && initialCash <= 0 { fieldErrors.append(("initial_cash", "must be greater than 0")) }
        if initialCash.isFinite && initialCash > 1e15 { fieldErrors.append(("initial_cash", "must be at most 1e15")) }
        let commission = number("commission")
        if let commission, commission.isFinite, !(commission >= 0 && commission < 1) {
            fieldErrors.append(("commission", "must be in [0, 1)"))
        }
        let slippage = number("slippage_bps")
        if let slippage, slippage.isFinite, !(slippage >= 0 && slippage < 10_000) {
            fieldErrors.append(("slippage_bps", "must be in [0, 10000)"))
        }

        var mode = RunMode.backtest
        var speed = options.paperSpeed
        var maxBars: Int?
        var startDate: String?
        var endDate: String?
        var requestedMode = "paper"
        var exchangeConfig = ExchangeConfig.empty
        var risk = RiskLimits()
        var cancelOnStop = true
        if live {
            switch string("mode", required: false) ?? "paper" {
            case "paper": mode = .paper
            case "live": requestedMode = "live"
            case let other: fieldErrors.append(("mode", "must be \"paper\" or \"live\", got \"\(other)\""))
            }
            exchangeConfig = ExchangeConfig.parse(
                body["exchange_config"], exchange: exchange, environment: options.environment, fieldErrors: &fieldErrors)
            if requestedMode == "paper" && exchangeConfig.sandbox {
                fieldErrors.append(("exchange_config.sandbox", "true asks for a sandbox run (real orders on a testnet), which needs mode \"live\""))
            }
            for field in RiskLimits.fields {
                guard let value = number(field), value.isFinite else { continue }
                if value <= 0 || value > 1e15 {
                    fieldErrors.append((field, "must be a positive number (quote currency) of at most 1e15"))
                    continue
                }
                switch field {
                case "max_order_notional": risk.maxOrderNotional = value
                case "max_position_notional": risk.maxPositionNotional = value
                default: risk.maxDailyLoss = value
                }
            }
            switch body["cancel_open_orders_on_stop"] {
            case .bool(let flag)?: cancelOnStop = flag
            case nil, .null?: break
            default: fieldErrors.append(("cancel_open_orders_on_stop", "must be true or false"))
            }
            if let value = number("speed") {
                if value.isFinite && !(value > 0 && value <= 1_000_000_000) { fieldErrors.append(("speed", "must be in (0, 1e9]")) }
                speed = value
            }
            if let value = number("max_bars") {
                if value.isFinite && !(value >= 1 && value.rounded() == value && value <= 1e9) {
                    fieldErrors.append(("max_bars", "must be a whole number ≥ 1"))
                } else if value.isFinite {
                    maxBars = Int(value)
                }
            }
        } else {
            startDate = string("start_date", required: false)
            endDate = string("end_date", required: false)
        }
        let startMilliseconds = startDate.flatMap { ISO8601Text.parse($0) }
        let endMilliseconds = endDate.flatMap { ISO8601Text.parse($0) }
        if startDate != nil, startMilliseconds == nil {
            fieldErrors.append(("start_date", "must be an ISO 8601 date or timestamp such as 2024-01-01T00:00:00Z"))
        }
        if endDate != nil, endMilliseconds == nil {
            fieldErrors.append(("end_date", "must be an ISO 8601 date or timestamp such as 2024-03-31T00:00:00Z"))
        }
        guard fieldErrors.isEmpty, let strategyName else {
            var details: [String: JSONValue] = [:]
            for (field, reason) in fieldErrors where details[field] == nil { details[field] = .string(reason) }
            let summary = fieldErrors.map { "\($0.0) \($0.1)" }.joined(separator: "; ")
            var errorDetails: [String: JSONValue] = ["fields": .object(details)]
            if fieldErrors.contains(where: { $0.0.hasPrefix("exchange_config.") && $0.1.hasPrefix("is not an accepted key") }) {
                errorDetails["accepted_exchange_config_keys"] = .array(ExchangeConfig.acceptedKeys.map(JSONValue.string))
            }
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR", message: "invalid run request: \(summary)", details: errorDetails)
        }

        // Domain checks, in a fixed order.
        let resolvedParameters: StrategyParameters
        var scriptRun: ScriptRunSpec?
        if let script {
            // A saved Pine script: it must compile, then its inputs are the parameters.
            (resolvedParameters, scriptRun) = try ScriptRunSpec.resolve(script, parameters: parameters)
        } else {
            do throws(TradingError) {
                resolvedParameters = try StrategyRegistry.validate(name: strategyName, parameters: parameters)
            } catch {
                throw ScriptRunSpec.unknownStrategy(error, scriptNames: scriptNames)
            }
        }
        var symbols: [TradingSymbol] = []
        for text in symbolTexts {
            do throws(TradingError) { symbols.append(try TradingSymbol(parsing: text)) } catch { throw APIError(error) }
        }
        if scriptRun != nil, symbols.count > 1 {
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR", message: "invalid run request: a Pine script runs on one symbol",
                details: ["fields": ["symbols": "must list exactly one symbol for a Pine script"]])
        }
        if Set(symbols).count != symbols.count {
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR", message: "invalid run request: symbols must not repeat a symbol",
                details: ["fields": ["symbols": "must not repeat a symbol"]])
        }
        let timeframe: Timeframe
        do throws(TradingError) { timeframe = try Timeframe(parsing: timeframeText) } catch { throw APIError(error) }
        guard let capabilities = ExchangeCapabilities.named(exchange) else {
            let available = ExchangeCapabilities.catalogue.map(\.id)
            throw APIError(
                status: .badRequest, code: "UNKNOWN_EXCHANGE",
                message: "unknown exchange '\(exchange)'; available: \(available.joined(separator: ", "))",
                details: ["exchange": .string(exchange), "available": .array(available.map(JSONValue.string))])
        }
        guard capabilities.supports(timeframe) else {
            let accepted = capabilities.timeframes.map(\.rawValue)
            throw APIError(
                status: .badRequest, code: "INVALID_TIMEFRAME",
                message: "\(capabilities.displayName) has no \(timeframe) candles; it offers \(accepted.joined(separator: " "))",
                details: ["exchange": .string(exchange), "timeframe": .string(timeframe.rawValue), "accepted": .array(accepted.map(JSONValue.string))])
        }
        if let scriptRun, live {
            // Before the venue checks: a short-capable script or an indicator cannot trade here.
            try scriptRun.refuseLive(requestedMode: requestedMode, exchange: capabilities)
        }
        if requestedMode == "live" {
            try Self.checkTrading(exchangeConfig: exchangeConfig, risk: risk, capabilities: capabilities)
            mode = exchangeConfig.sandbox ? .sandbox : .live
            if options.makeDataResolver == nil {
                throw APIError(
                    status: .unprocessableContent, code: "DATA_UNAVAILABLE",
                    message: "\(mode.rawValue) runs on \(capabilities.displayName) need the venue, and this server runs offline; start it without --offline",
                    details: ["exchange": .string(exchange)])
            }
        }
        if mode == .paper && exchange != SimExchange.id && options.makeDataResolver == nil {
            throw APIError(
                status: .unprocessableContent, code: "DATA_UNAVAILABLE",
                message: "paper runs on \(capabilities.displayName) need its live candles, and this server runs offline; use exchange \"sim\" or start the server without --offline",
                details: ["exchange": .string(exchange), "offline_exchanges": ["sim"]])
        }

        var configuration = BacktestConfiguration(
            strategyName: scriptRun?.name ?? strategyName, parameters: resolvedParameters.values, symbols: symbols, timeframe: timeframe,
            initialCash: scriptRun?.initialCapital ?? initialCash)
        if let commission { configuration.commission = commission }
        if let slippage { configuration.slippageBps = slippage }

        var from: Int64?
        var to: Int64?
        var expected: Int?
        if mode == .backtest {
            let now = options.now()
            let period = timeframe.milliseconds
            let flooredNow = PeriodCalendar.periodStart(containing: now, timeframe: timeframe)
            let defaultSpan = min(RunnerOptions.defaultRangeDays * 86_400_000, RunnerOptions.defaultRangeMaximumBars * period)
            let end = endMilliseconds ?? flooredNow
            let start = startMilliseconds ?? (end - defaultSpan)
            func rangeError(_ message: String) -> APIError {
                APIError(
                    status: .badRequest, code: "INVALID_DATE_RANGE", message: message,
                    details: [
                        "start_date": .string(ISO8601Timestamp.string(fromMilliseconds: start)),
                        "end_date": .string(ISO8601Timestamp.string(fromMilliseconds: end)),
                    ])
            }
            guard start >= 0, end <= Self.latestTime else { throw rangeError("dates must lie between 1970-01-01 and 9999-12-31") }
            guard end > start else { throw rangeError("end_date must be after start_date") }
            guard start <= now else { throw rangeError("start_date is in the future") }
            let bars = (end - start + period - 1) / period
            guard bars <= Int64(options.maximumBars) else {
                throw rangeError("the range holds about \(bars) \(timeframe) bars per symbol; at most \(options.maximumBars) are allowed")
            }
            from = start
            to = end
            expected = Int(bars) * symbols.count
        }

        // The echo: what was asked for, with defaults, secrets masked.
        var echo: [String: JSONValue] = [
            "strategy_name": .string(scriptRun?.name ?? strategyName),
            "strategy_params": .object(resolvedParameters.values.mapValues(Self.json)),
            "symbols": .array(symbols.map { .string($0.description) }),
            "timeframe": .string(timeframe.rawValue),
            "exchange": .string(exchange),
            "initial_cash": .number(configuration.initialCash),
            "commission": .number(configuration.commission),
            "slippage_bps": .number(configuration.slippageBps),
            "mode": .string(mode.tradesOnVenue ? "live" : mode.rawValue),
        ]
        if mode == .backtest {
            echo["start_date"] = from.map { .string(ISO8601Timestamp.string(fromMilliseconds: $0)) } ?? .null
            echo["end_date"] = to.map { .string(ISO8601Timestamp.string(fromMilliseconds: $0)) } ?? .null
        } else {
            echo["speed"] = .number(speed)
            echo["max_bars"] = maxBars.map { .number(Double($0)) } ?? .null
            echo["exchange_config"] = body["exchange_config"].map(mask) ?? .object([:])
            echo["max_order_notional"] = risk.maxOrderNotional.map(JSONValue.number) ?? .null
            echo["max_position_notional"] = risk.maxPositionNotional.map(JSONValue.number) ?? .null
            echo["max_daily_loss"] = risk.maxDailyLoss.map(JSONValue.number) ?? .null
            if mode.tradesOnVenue { echo["cancel_open_orders_on_stop"] = .bool(cancelOnStop) }
        }
        if let scriptRun { echo["script"] = scriptRun.echo }
        var plan = RunPlan(
            mode: mode, configuration: configuration, exchange: exchange, from: from, to: to, speed: speed,
            maxBars: maxBars, config: .object(echo), expectedBars: expected)
        plan.risk = risk
        plan.script = scriptRun
        // Credentials are kept (in memory) only by sandbox and live runs; a paper run places no
        // venue orders, so its keys die with this request.
        if mode.tradesOnVenue {
            let credentials = exchangeConfig.credentials
            plan.venue = VenueRunSettings(
                configuration: VenueConfiguration(
                    credentials: VenueCredentials(apiKey: credentials.apiKey, secret: credentials.secret, password: credentials.password),
                    sandbox: exchangeConfig.sandbox, baseURL: exchangeConfig.baseURL,
                    rateLimitMilliseconds: exchangeConfig.rateLimit, enableRateLimit: exchangeConfig.enableRateLimit ?? true,
                    requestTimeoutSeconds: options.venueRequestTimeoutSeconds),
                cancelOpenOrdersOnStop: cancelOnStop)
        }
        return plan
    }

    /// `mode: live` (with `sandbox: true`, a sandbox run), after the field checks: the venue must
    /// offer the mode, a real-money run needs `max_order_notional`, the credentials the venue asks
    /// for must be there (request or environment), and this build must have the venue's adapter
    /// (else 422 `NOT_IMPLEMENTED`). No message or detail ever contains a credential value.
    static func checkTrading(exchangeConfig: ExchangeConfig, risk: RiskLimits, capabilities: ExchangeCapabilities) throws(APIError) {
        let sandbox = exchangeConfig.sandbox
        let wanted: ExchangeCapabilities.Mode = sandbox ? .sandbox : .live
        let modes = JSONValue.array(capabilities.modes.map { .string($0.rawValue) })
        guard capabilities.supports(wanted) else {
            if sandbox {
                throw APIError(
                    status: .unprocessableContent, code: "SANDBOX_UNAVAILABLE",
                    message: "\(capabilities.displayName) has no sandbox to trade in: \(capabilities.sandboxNotes)",
                    details: ["exchange": .string(capabilities.id), "modes": modes])
            }
            throw APIError(
                status: .unprocessableContent, code: "MODE_UNAVAILABLE",
                message: "\(capabilities.displayName) offers no live trading; its modes are \(capabilities.modes.map(\.rawValue).joined(separator: ", "))",
                details: ["exchange": .string(capabilities.id), "modes": modes])
        }
        if !sandbox && risk.maxOrderNotional == nil {
            throw APIError(
                status: .unprocessableContent, code: "RISK_LIMIT_REQUIRED",
                message: "a live run (real money) needs max_order_notional: the largest order it may place, in quote currency",
                details: ["required": ["max_order_notional"], "optional": ["max_position_notional", "max_daily_loss"]])
        }
        let names = ExchangeCredentials.environmentNames(exchange: capabilities.id)
        let required = capabilities.credentialFields.map(\.name)
        let present = Set(exchangeConfig.credentials.presentFields)
        let missing = required.filter { !present.contains($0) }
        if !missing.isEmpty {
            let variables = missing.map { field -> JSONValue in
                switch field {
                case "apiKey": .string(names.apiKey)
                case "secret": .string(names.secret)
                default: .string(names.password)
                }
            }
            throw APIError(
                status: .unprocessableContent, code: "CREDENTIALS_REQUIRED",
                message: "\(capabilities.displayName) needs \(missing.joined(separator: ", ")) in exchange_config or the environment",
                details: ["missing": .array(missing.map(JSONValue.string)), "environment_variables": .array(variables)])
        }
        guard VenueCatalog.exchanges.contains(capabilities.id) else {
            let what = sandbox ? "sandbox trading (orders on the \(capabilities.displayName) testnet)" : "live trading on \(capabilities.displayName)"
            throw APIError(
                status: .unprocessableContent, code: "NOT_IMPLEMENTED",
                message: "the request is valid, but \(what) is not available in this build (no venue adapter); use mode \"paper\"",
                details: ["mode": .string(wanted.rawValue), "supported_modes": ["paper"], "venues_with_adapters": .array(VenueCatalog.exchanges.map(JSONValue.string))])
        }
    }

    static func json(_ value: ParameterValue) -> JSONValue {
        switch value {
        case .int(let v): .number(Double(v))
        case .float(let v): .number(v)
        case .bool(let v): .bool(v)
        case .string(let v): .string(v)
        }
    }

    /// True for a key whose value must never be shown: `apiKey`, `secret`, `password`, any key
    /// containing "secret", "key", "password", "token" or "passphrase" (case-insensitive).
    static func isSecretKey(_ key: String) -> Bool {
        let lower = key.lowercased()
        return secretMarkers.contains { lower.contains($0) }
    }

    /// Replaces every secret value (at any depth) with `"***"`.
    static func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var masked: [String: JSONValue] = [:]
            for (key, inner) in object {
                if isSecretKey(key), inner != .null {
                    masked[key] = "***"
                } else {
                    masked[key] = mask(inner)
                }
            }
            return .object(masked)
        case .array(let items):
            return .array(items.map(mask))
        default:
            return value
        }
    }
}

