import NIOCore
import TradingCore

/// `GET /api/v1/openapi.json`: an OpenAPI 3.1 description of every route, schema and error code.
///
/// Written by hand next to the routes (no generator); `OpenAPITests` fails when a route of the
/// catalog has no entry here.
enum OpenAPIDocument {
    static let path = "/api/v1/openapi.json"

    /// Every error code the API sends, with its usual status.
    static let errorCodes: [(code: String, status: Int, meaning: String)] = [
        ("VALIDATION_ERROR", 400, "A field or query parameter is missing or malformed; details.fields maps each field to its reason."),
        ("INVALID_JSON", 400, "The body is not JSON of the expected shape."),
        ("UNKNOWN_STRATEGY", 400, "strategy_name is not a known strategy; details.available lists them."),
        ("INVALID_STRATEGY_PARAMS", 400, "strategy_params break the strategy's schema."),
        ("UNKNOWN_EXCHANGE", 400, "exchange is not known; details.available lists them."),
        ("INVALID_TIMEFRAME", 400, "timeframe is not one of the contract's timeframes or the exchange lacks it."),
        ("INVALID_SYMBOL", 400, "A symbol is not BASE/QUOTE."),
        ("INVALID_DATE_RANGE", 400, "end is not after start, start is in the future, or the range is too large."),
        ("DATA_UNAVAILABLE", 422, "No candles exist for the request, or a paper run on a venue on a server started with --offline."),
        ("HOST_NOT_ALLOWED", 403, "The Host header is not an allowed host."),
        ("ORIGIN_NOT_ALLOWED", 403, "The Origin of a state-changing request is not allowed."),
        ("NOT_FOUND", 404, "No route for the path."),
        ("NO_RESULTS", 404, "No run has been started (or the runner was reset)."),
        ("RUN_NOT_FOUND", 404, "No stored run has this id."),
        ("METHOD_NOT_ALLOWED", 405, "The path exists but not for this method; the Allow header lists the methods."),
        ("RUN_ALREADY_ACTIVE", 409, "A run is starting, running or stopping; details.active_run_id names it."),
        ("RUN_ACTIVE", 409, "Reset or delete while a run is active."),
        ("PAYLOAD_TOO_LARGE", 413, "The body is larger than 1 MiB."),
        ("UNSUPPORTED_MEDIA_TYPE", 415, "The body is not declared application/json."),
        ("UPGRADE_REQUIRED", 426, "The WebSocket path was requested without an upgrade."),
        ("INTERNAL_ERROR", 500, "An unexpected server error (the log has the cause)."),
        ("NOT_IMPLEMENTED", 422, "A valid sandbox or live request for a venue this build has no execution adapter for."),
        ("SANDBOX_UNAVAILABLE", 422, "exchange_config.sandbox on a venue without a sandbox (Kraken spot, sim)."),
        ("MODE_UNAVAILABLE", 422, "mode live on a venue that offers no live trading (sim)."),
        ("RISK_LIMIT_REQUIRED", 422, "mode live without sandbox needs max_order_notional."),
        ("CREDENTIALS_REQUIRED", 422, "A sandbox or live run lacks a credential the venue needs (request or CRACKTRADER_<EXCHANGE>_* environment); details.missing names the fields."),
        ("STORAGE_ERROR", 503, "The database could not record the run."),
    ] + scriptErrorCodes + venueErrorCodes + hardeningErrorCodes + authErrorCodes + sweepErrorCodes

    /// - Parameter requiresAuthentication: the server runs with a token (see `withAuthentication`).
    static func build(catalog: RouteCatalog, requiresAuthentication: Bool = false) -> ByteBuffer {
        let document: JSONValue = [
            "openapi": "3.1.0",
            "info": [
                "title": "Cracktrader Web API",
                "version": .string(CracktraderVersion.apiVersion),
                "description": .string(
                    "Run control, results and market data for the Cracktrader workstation. Every error is the envelope "
                        + "{\"error\": {\"code\", \"message\", \"details\"}}. Error codes: "
                        + errorCodes.map { "\($0.code) (\($0.status)): \($0.meaning)" }.joined(separator: " ")),
            ],
            "servers": [["url": "/"]],
            "paths": .object(withHardeningResponses(paths().merging(scriptPaths()) { current, _ in current }.merging(venuePaths()) { current, _ in current }.merging(sweepPaths()) { current, _ in current })),
            "components": ["schemas": .object(withVenueFields(schemas().merging(scriptSchemas()) { current, _ in current }.merging(venueSchemas()) { current, _ in current }.merging(sweepSchemas()) { current, _ in current }))],
        ]
        return (try? JSONCoding.encode(withAuthentication(document, required: requiresAuthentication))) ?? ByteBuffer(string: "{}")
    }

    // MARK: Paths

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func json(_ schema: JSONValue, _ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func errors(_ statuses: [Int]) -> [String: JSONValue] {
        var responses: [String: JSONValue] = [:]
        for status in statuses {
            let codes = errorCodes.filter { $0.status == status }.map(\.code)
            responses[String(status)] = json(ref("Error"), "Error envelope; code one of: \(codes.joined(separator: ", "))")
        }
        return responses
    }

    static let commonErrors = [403, 500]

    static func operation(
        _ id: String, _ summary: String, ok: JSONValue?, okStatus: Int = 200, errors codes: [Int] = [],
        parameters: [JSONValue] = [], body: JSONValue? = nil, okContentType: String = "application/json"
    ) -> JSONValue {
        var responses = errors(codes + commonErrors)
        if let ok {
            responses[String(okStatus)] = ["description": "Success", "content": .object([okContentType: ["schema": ok]])]
        }
        if !parameters.isEmpty {
            // Query parameters are validated: 400 VALIDATION_ERROR.
            responses.merge(errors([400])) { current, _ in current }
        }
        var op: [String: JSONValue] = ["operationId": .string(id), "summary": .string(summary), "responses": .object(responses)]
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let body {
            op["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]]
            op["responses"] = .object(responses.merging(errors([400, 413, 415])) { current, _ in current })
        }
        return .object(op)
    }

    static func query(_ name: String, _ schema: JSONValue, _ description: String, required: Bool = false) -> JSONValue {
        ["name": .string(name), "in": "query", "required": .bool(required), "description": .string(description), "schema": schema]
    }

    static let idParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "Run id (12 hex digits)", "schema": ["type": "string"],
    ]
    static let maxPointsParameter = query(
        "max_points", ["type": "integer", "minimum": 0, "maximum": 10_000_000],
        "Equity points to return (LTTB downsampling); 0 = every point; default 2000.")

    static func paths() -> [String: JSONValue] {
        [
            "/api/v1/meta": ["get": operation("getMeta", "API version, endpoints and deprecations", ok: ref("Meta"))],
            "/api/v1/health": ["get": operation("getHealth", "Health from real checks", ok: ref("Health"))],
            "/api/v1/status": ["get": operation("getStatus", "Run lifecycle status", ok: ref("Status"))],
            "/api/v1/status/detailed": ["get": operation("getStatusDetailed", "Status plus recent orders, trades, positions, equity, metrics and health", ok: ref("DetailedStatus"))],
            "/api/v1/results": [
                "get": operation("getResults", "Results of the current or last run", ok: ref("Results"), errors: [404], parameters: [maxPointsParameter]),
            ],
            "/api/v1/run/backtest": [
                "post": operation("startBacktest", "Start a backtest", ok: ref("RunResponse"), errors: [409, 422, 503], body: ref("BacktestRequest")),
            ],
            "/api/v1/run/live": [
                "post": operation("startLive", "Start a paper, sandbox (mode live + exchange_config.sandbox) or live run", ok: ref("RunResponse"), errors: [401, 409, 422, 503], body: ref("LiveRequest")),
            ],
            "/api/v1/run/stop": ["post": operation("stopRun", "Stop the active run (idempotent)", ok: ref("RunResponse"))],
            "/api/v1/run/reset": ["delete": operation("resetRunner", "Return the runner to idle", ok: ref("RunResponse"), errors: [409])],
            "/api/v1/strategies": ["get": operation("listStrategies", "Strategies and their parameter schemas", ok: ref("StrategyList"))],
            "/api/v1/exchanges": ["get": operation("listExchanges", "Exchanges and their capabilities", ok: ref("ExchangeList"))],
            "/api/v1/candles": [
                "get": operation(
                    "getCandles", "OHLCV candles for charts", ok: ref("CandleList"), errors: [422],
                    parameters: [
                        query("exchange", ["type": "string"], "Exchange id; default sim"),
                        query("symbol", ["type": "string"], "BASE/QUOTE, e.g. BTC/USDT", required: true),
                        query("timeframe", ["type": "string"], "Timeframe; default 1h"),
                        query("start", ["type": "string"], "ISO 8601 or epoch ms; default end − 500 bars"),
                        query("end", ["type": "string"], "ISO 8601 or epoch ms; default now"),
                    ]),
            ],
            "/api/v1/runs": [
                "get": operation(
                    "listRuns", "Stored runs, newest first", ok: ref("RunList"),
                    parameters: [
                        query("limit", ["type": "integer", "minimum": 1, "maximum": 500], "Page size; default 20"),
                        query("offset", ["type": "integer", "minimum": 0, "maximum": 2_147_483_647], "Runs to skip; default 0"),
                    ]),
            ],
            "/api/v1/runs/{id}": [
                "parameters": [idParameter],
                "get": operation("getRun", "A stored run's full results", ok: ref("Results"), errors: [404], parameters: [maxPointsParameter]),
                "delete": operation("deleteRun", "Delete a stored run", ok: ref("DeletedRun"), errors: [404, 409]),
            ],
            "/api/v1/ws/status": [
                "get": [
                    "operationId": "statusStream",
                    "summary": "WebSocket of run events (connect with Upgrade: websocket); messages are StreamMessage",
                    "responses": .object(errors([426] + commonErrors).merging(["101": ["description": "Switching protocols"]]) { a, _ in a }),
                ],
            ],
            "/api/v1/openapi.json": ["get": operation("getOpenAPI", "This document", ok: ["type": "object"])],
            "/metrics": ["get": operation("getMetrics", "Prometheus metrics (text format 0.0.4)", ok: ["type": "string"], okContentType: "text/plain")],
            "/ui": ["get": operation("getUI", "The dashboard", ok: ["type": "string"], okContentType: "text/html")],
            "/ui/{path}": [
                "parameters": [["name": "path", "in": "path", "required": true, "schema": ["type": "string"]]],
                "get": operation("getUIAsset", "Dashboard files", ok: ["type": "string"], errors: [404], okContentType: "*/*"),
            ],
            "/": ["get": ["operationId": "root", "summary": "Redirects to /ui/", "responses": ["302": ["description": "Redirect to the dashboard"]]]],
        ]
    }

    /// The paths of `paths()` in catalog form, for the completeness test.
    static var documentedRoutes: [(method: String, path: String)] {
        var routes: [(String, String)] = []
        for (path, item) in paths().merging(scriptPaths(), uniquingKeysWith: { current, _ in current }).merging(venuePaths(), uniquingKeysWith: { current, _ in current }) {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys where method != "parameters" { routes.append((method.uppercased(), path)) }
        }
        return routes
    }

    // MARK: Schemas

    static func nullable(_ type: String) -> JSONValue { ["type": [.string(type), "null"]] }
    static func object(_ properties: [String: JSONValue], required: [String]? = nil) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array((required ?? properties.keys.sorted()).map(JSONValue.string))]
    }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static let statusProperties: [String: JSONValue] = [
        "run_id": nullable("string"),
        "status": ["type": "string", "enum": .array(RunStatus.allCases.map { .string($0.rawValue) })],
        "mode": ["type": ["string", "null"], "enum": ["backtest", "paper", .null]],
        "strategy_name": nullable("string"),
        "symbols": ["type": ["array", "null"], "items": ["type": "string"]],
        "timeframe": nullable("string"),
        "exchange": nullable("string"),
        "start_time": nullable("string"),
        "end_time": nullable("string"),
        "runtime_seconds": ["type": "number"],
        "cash": nullable("number"),
        "value": nullable("number"),
        "pnl": nullable("number"),
        "trade_count": ["type": "integer"],
        "error": nullable("string"),
        "progress": ["type": ["number", "null"], "minimum": 0, "maximum": 1],
        "bars_processed": ["type": "integer"],
        "total_bars": nullable("integer"),
    ]

    /// Fields every run request shares (backtest and live/paper).
    static var runRequestProperties: [String: JSONValue] {
        [
            "strategy_name": ["type": "string", "enum": .array(StrategyRegistry.names.map(JSONValue.string))],
            "strategy_params": ["type": "object", "additionalProperties": ["type": ["number", "string", "boolean", "null"]]],
            "symbols": ["type": "array", "minItems": 1, "maxItems": 20, "items": ["type": "string", "pattern": "^[A-Za-z0-9]{1,20}/[A-Za-z0-9]{1,20}$"]],
            "timeframe": ["type": "string", "enum": .array(Timeframe.allCases.map { .string($0.rawValue) }), "default": "1h"],
            "initial_cash": ["type": "number", "exclusiveMinimum": 0, "default": 10000],
            "exchange": ["type": "string", "default": "sim"],
        ]
    }

    static func schemas() -> [String: JSONValue] {
        let number: JSONValue = ["type": "number"]
        let string: JSONValue = ["type": "string"]
        let integer: JSONValue = ["type": "integer"]
        let anyObject: JSONValue = ["type": "object"]
        let check = object(["status": ["type": "string", "enum": ["pass", "warn", "fail"]], "message": nullable("string")], required: ["status"])
        var detailed = statusProperties
        detailed["recent_orders"] = array(ref("Order"))
        detailed["recent_trades"] = array(ref("Trade"))
        detailed["positions"] = array(ref("Position"))
        detailed["equity_curve"] = array(ref("EquityPoint"))
        detailed["performance_metrics"] = ["oneOf": [ref("PerformanceMetrics"), ["type": "null"]]]
        detailed["health"] = ref("Health")
        return [
            "Error": object([
                "error": object(["code": ["type": "string", "enum": .array(errorCodes.map { .string($0.code) })], "message": string, "details": anyObject]),
            ]),
            "RunResponse": object(["run_id": nullable("string"), "status": statusProperties["status"]!, "message": string]),
            "Status": object(statusProperties),
            "DetailedStatus": object(detailed),
            "Meta": object([
                "api_version": string, "server_version": string, "build": nullable("string"),
                "endpoints": array(object(["method": string, "path": string])), "deprecations": array(anyObject),
            ]),
            "Health": object([
                "status": ["type": "string", "enum": ["healthy", "degraded", "unhealthy"]],
                "api_version": string,
                "checks": ["type": "object", "additionalProperties": check],
                "metrics": object([
                    "uptime_seconds": number, "runs_total": integer, "runs_failed": integer, "active_websockets": integer,
                    "requests_total": integer, "memory_rss_bytes": nullable("integer"),
                ]),
                "timestamp": string,
            ]),
            "BacktestRequest": [
                "type": "object",
                "required": ["strategy_name", "symbols"],
                "properties": .object(runRequestProperties.merging([
                    "start_date": ["type": ["string", "null"], "description": "ISO 8601; default end_date − 90 days"],
                    "end_date": ["type": ["string", "null"], "description": "ISO 8601; default now floored to the timeframe"],
                    "commission": ["type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.001],
                    "slippage_bps": ["type": "number", "minimum": 0, "exclusiveMaximum": 10000, "default": 0],
                ]) { _, specific in specific }),
            ],
            "LiveRequest": [
                "type": "object",
                "required": ["strategy_name", "symbols"],
                "properties": .object(runRequestProperties.merging([
                    "exchange_config": [
                        "type": "object", "additionalProperties": false,
                        "description": "Exactly these keys (any other is a 400). Credentials left out are read from CRACKTRADER_<EXCHANGE>_API_KEY, _SECRET, _PASSWORD; they are never stored or echoed",
                        "properties": [
                            "apiKey": ["type": "string"], "secret": ["type": "string"], "password": ["type": "string"],
                            "sandbox": ["type": "boolean", "description": "with mode live: trade on the venue's testnet"],
                            "base_url": ["type": "string", "description": "http:// or https:// URL of another host for the venue"],
                            "rateLimit": ["type": "number", "minimum": 0, "maximum": 3_600_000], "enableRateLimit": ["type": "boolean"],
                        ],
                    ],
                    "max_order_notional": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e15, "description": "Largest order notional (quote currency); required for mode live without sandbox"],
                    "max_position_notional": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e15, "description": "Largest position notional per symbol (quote currency)"],
                    "max_daily_loss": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e15, "description": "Loss since 00:00 UTC at which a run stops (quote currency)"],
                    "mode": ["type": "string", "enum": ["paper", "live"], "default": "paper"],
                    "speed": ["type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000_000, "description": "Market-time speed factor; default 60"],
                    "max_bars": ["type": "integer", "minimum": 1, "description": "Complete after this many bars; default: run until stopped"],
                    "commission": ["type": "number", "minimum": 0, "exclusiveMaximum": 1],
                    "slippage_bps": ["type": "number", "minimum": 0, "exclusiveMaximum": 10000],
                ]) { _, specific in specific }),
            ],
            "Order": object([
                "id": integer, "client_order_id": nullable("string"), "symbol": string, "side": string, "type": string,
                "time_in_force": string, "sizing": string, "sizing_value": nullable("number"), "quantity": nullable("number"),
                "limit_price": nullable("number"), "stop_price": nullable("number"), "status": string, "filled_quantity": number,
                "average_fill_price": nullable("number"), "fees": number, "created_time": string, "updated_time": string,
                "reason": nullable("string"), "oco_group": nullable("integer"), "parent_id": nullable("integer"),
            ]),
            "Trade": object([
                "id": integer, "symbol": string, "status": ["type": "string", "enum": ["open", "closed"]], "entry_time": string,
                "exit_time": nullable("string"), "entry_price": number, "exit_price": nullable("number"), "quantity": number,
                "pnl": number, "return": number, "fees": number,
            ]),
            "Fill": object([
                "id": integer, "order_id": integer, "client_order_id": nullable("string"), "symbol": string,
                "side": ["type": "string", "enum": ["buy", "sell"]], "quantity": number, "price": number, "fee": number,
                "is_maker": ["type": "boolean"], "time": string,
            ]),
            "Position": object([
                "symbol": string, "quantity": number, "average_entry_price": number, "last_price": number, "market_value": number,
                "unrealized_pnl": number,
            ]),
            "EquityPoint": object(["timestamp": string, "value": number, "cash": number, "pnl": number]),
            "PerformanceMetrics": object([
                "total_return": nullable("number"), "final_value": nullable("number"), "cagr": nullable("number"),
                "sharpe_ratio": nullable("number"), "sortino_ratio": nullable("number"), "max_drawdown": nullable("number"),
                "max_drawdown_duration": integer, "calmar_ratio": nullable("number"), "total_trades": integer, "open_trades": integer,
                "winning_trades": integer, "losing_trades": integer, "win_rate": nullable("number"), "profit_factor": nullable("number"),
                "avg_win": nullable("number"), "avg_loss": nullable("number"), "expectancy": nullable("number"),
                "best_trade": nullable("number"), "worst_trade": nullable("number"), "exposure": nullable("number"),
                "total_fees": nullable("number"),
            ]),
            "Results": object([
                "run_id": string, "mode": string, "config": anyObject, "status": statusProperties["status"]!,
                "start_time": nullable("string"), "end_time": nullable("string"), "data_start": nullable("string"),
                "data_end": nullable("string"), "orders": array(ref("Order")), "trades": array(ref("Trade")),
                "fills": array(ref("Fill")), "positions": array(ref("Position")), "equity_curve": array(ref("EquityPoint")), "equity_points_total": integer,
                "performance_metrics": ["oneOf": [ref("PerformanceMetrics"), ["type": "null"]]], "final_value": nullable("number"),
                "error": nullable("string"), "bars_processed": integer,
            ]),
            "RunList": object([
                "runs": array(object([
                    "run_id": string, "mode": string, "strategy_name": string, "status": string, "symbols": array(string),
                    "timeframe": nullable("string"), "exchange": nullable("string"), "created_at": string,
                    "start_time": nullable("string"), "end_time": nullable("string"), "error": nullable("string"),
                    "final_value": nullable("number"), "trade_count": integer, "total_return": nullable("number"),
                    "sharpe_ratio": nullable("number"), "max_drawdown": nullable("number"), "win_rate": nullable("number"),
                    "total_trades": nullable("integer"),
                ])),
                "total": integer, "limit": integer, "offset": integer,
            ]),
            "DeletedRun": object(["run_id": string, "deleted": ["type": "boolean"]]),
            "StrategyList": object([
                "strategies": array(object([
                    "name": string, "description": string,
                    "parameters": array(object([
                        "name": string, "type": ["type": "string", "enum": ["int", "float", "bool", "string", "enum"]],
                        "default": ["type": ["number", "string", "boolean", "null"]], "min": nullable("number"), "max": nullable("number"),
                        "description": string, "choices": ["type": ["array", "null"], "items": string],
                    ])),
                ])),
            ]),
            "ExchangeList": object([
                "exchanges": array(object([
                    "id": string, "display_name": string, "timeframes": array(string), "modes": array(string),
                    "available_modes": array(string), "sandbox_notes": string,
                    "credential_fields": array(object(["name": string, "label": string, "secret": ["type": "boolean"]])),
                    "fees": object(["maker": number, "taker": number]),
                ])),
            ]),
            "CandleList": object([
                "exchange": string, "symbol": string, "timeframe": string,
                "candles": array(["type": "array", "minItems": 6, "maxItems": 6, "items": number,
                                  "description": "[timestamp_ms, open, high, low, close, volume]"]),
            ]),
            "StreamMessage": object([
                "type": ["type": "string", "enum": ["status", "status_update", "order_update", "trade", "equity_point", "error", "heartbeat"]],
                "payload": anyObject, "timestamp": string,
            ]),
        ]
    }
}
