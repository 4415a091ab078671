/// The parameter sweeps part of the OpenAPI document (`/api/v1/sweeps…`, docs/api.md "Sweeps").
extension OpenAPIDocument {
    static let sweepErrorCodes: [(code: String, status: Int, meaning: String)] = [
        ("SWEEP_NOT_FOUND", 404, "No sweep has this id."),
        ("SWEEP_ACTIVE", 409, "A sweep is running (one at a time; details.active_sweep_id), or delete of the running sweep."),
        ("SWEEP_CONFIG_INVALID", 422, "The config parses but cannot be planned: no parameter point satisfies the constraints (an empty grid), walk-forward folds that do not fit the data, a symbol without bars; details.field names the field."),
        ("SWEEP_TOO_MANY_CELLS", 422, "The sweep has more cells than the server's cap (100,000); details.field is parameters."),
    ]

    static let sweepIDParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "Sweep id (12 hex digits)", "schema": ["type": "string"],
    ]

    static func sweepPaths() -> [String: JSONValue] {
        [
            "/api/v1/sweeps": [
                "post": operation(
                    "startSweep", "Validate, plan and start a parameter sweep on the server's data (one at a time)", ok: ref("SweepStarted"),
                    okStatus: 202, errors: [409, 422, 503], body: ref("SweepRequest")),
                "get": operation(
                    "listSweeps", "Sweeps, newest first", ok: ref("SweepList"),
                    parameters: [
                        query("limit", ["type": "integer", "minimum": 1, "maximum": 500], "Page size; default 20"),
                        query("offset", ["type": "integer", "minimum": 0], "Sweeps to skip; default 0"),
                    ]),
            ],
            "/api/v1/sweeps/{id}": [
                "parameters": [sweepIDParameter],
                "get": operation(
                    "getSweep", "A sweep with its progress, ranking, best cells, walk-forward report and a sorted page of cells",
                    ok: ref("Sweep"), errors: [404],
                    parameters: [
                        query("limit", ["type": "integer", "minimum": 1, "maximum": 1_000], "Cells per page; default 100"),
                        query("offset", ["type": "integer", "minimum": 0], "Cells to skip; default 0"),
                        query("sort", ["type": "string"], "rank (default), id, objective or a performance_metrics key; cells without a value come last"),
                        query("order", ["type": "string", "enum": ["asc", "desc"]], "Default asc for rank and id, desc for objective and metrics"),
                        query("role", ["type": "string", "enum": ["sweep", "in_sample", "out_of_sample", "holdout"]], "Only cells with this role"),
                    ]),
                "delete": operation(
                    "deleteSweep", "Delete a finished sweep and its cells", ok: object(["sweep_id": ["type": "string"], "deleted": ["type": "boolean"]]),
                    errors: [404, 409]),
            ],
            "/api/v1/sweeps/{id}/stop": [
                "parameters": [sweepIDParameter],
                "post": operation(
                    "stopSweep", "Stop a running sweep between cells (finished cells are kept) and answer once it has stopped; a finished sweep answers its status",
                    ok: object(["sweep_id": ["type": "string"], "status": ref("SweepStatus")]), errors: [404]),
            ],
        ]
    }

    static func sweepSchemas() -> [String: JSONValue] {
        let string: JSONValue = ["type": "string"]
        let integer: JSONValue = ["type": "integer"]
        let anyObject: JSONValue = ["type": "object"]
        let progress = object(["stage": integer, "done": integer, "total": integer])
        let entry: [String: JSONValue] = [
            "sweep_id": string, "name": nullable("string"), "status": ref("SweepStatus"), "strategy": nullable("string"), "symbols": array(string),
            "timeframe": string, "exchange": string,
            "objective": ["description": "A metric name or {\"weights\": {metric: weight}}, as configured", "type": ["string", "object"]],
            "search_method": ["type": "string", "enum": ["grid", "random", "halton", "tpe"]],
            "parameters": ["type": "array", "items": string, "description": "Names of the swept parameters"],
            "created_at": string, "end_time": nullable("string"), "progress": progress,
            "summary": ["type": ["object", "null"], "properties": ["cells": integer, "ok": integer, "failed": integer, "ranked": integer]],
            "best": ["type": ["object", "null"], "properties": ["id": string, "objective": ["type": "number"], "symbol": string, "parameters": anyObject]],
            "error": ["type": ["object", "null"], "properties": ["code": string, "message": string]],
        ]
        let cell = object([
            "id": string, "parameters": anyObject, "symbol": string, "window": object(["start": string, "end": string]),
            "role": ["type": "string", "enum": ["sweep", "in_sample", "out_of_sample", "holdout"]], "fold": integer,
            "status": ["type": "string", "enum": ["ok", "failed"]], "data_hash": string,
            "performance_metrics": ["type": "object", "description": "Keys as in /results"], "final_value": ["type": "number"],
            "objective": nullable("number"), "error": anyObject,
        ], required: ["id", "parameters", "symbol", "window", "role", "status", "objective"])
        var detail = entry
        detail["config"] = anyObject
        detail["ranking"] = array(object(["rank": integer, "id": string, "objective": ["type": "number"], "symbol": string, "parameters": anyObject]))
        detail["best"] = ["type": "array", "items": anyObject, "description": "The best cells in full, as in the cracktrader sweep --json document"]
        detail["walk_forward"] = ["type": ["object", "null"]]
        detail["cells"] = array(cell)
        detail["cells_total"] = integer
        detail["limit"] = integer
        detail["offset"] = integer
        return [
            "SweepStatus": ["type": "string", "enum": ["running", "completed", "stopped", "failed", "interrupted"]],
            "SweepRequest": [
                "type": "object", "required": ["strategy", "start", "end"],
                "description": "A sweep config as docs/sweeps.md describes it (strategy: a built-in or a saved script's name, or script: {source, path} inline; symbols, timeframe, start, end, initial_cash, commission, slippage_bps, fill_at, parameters, constraints, search, objective, min_trades, max_drawdown, walk_forward, top) plus an optional name; data, data_dir and exchange_config are refused (400).",
                "properties": [
                    "name": ["type": "string", "minLength": 1, "maxLength": 100], "strategy": string, "symbols": array(string),
                    "exchange": ["type": "string", "description": "Default sim; other exchanges read the candle store (and venues download)"],
                    "timeframe": string, "start": string, "end": string, "parameters": anyObject, "constraints": array(string),
                    "search": anyObject, "objective": ["type": ["string", "object"]], "walk_forward": anyObject,
                ],
            ],
            "SweepStarted": object(["sweep_id": string, "status": ref("SweepStatus"), "created_at": string, "progress": progress]),
            "SweepEntry": object(entry),
            "SweepList": object(["sweeps": array(ref("SweepEntry")), "total": integer, "limit": integer, "offset": integer]),
            "Sweep": object(detail),
        ]
    }
}
