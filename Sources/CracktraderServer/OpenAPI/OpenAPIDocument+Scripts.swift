/// The saved Pine scripts part of the OpenAPI document (`/api/v1/scripts…`, a run's trade list).
extension OpenAPIDocument {
    static let scriptErrorCodes: [(code: String, status: Int, meaning: String)] = [
        ("UNKNOWN_SCRIPT", 404, "No saved script has this name (compared without case)."),
        ("UNKNOWN_SCRIPT_VERSION", 404, "The script has no version with this number; details.latest_version."),
        ("NO_TRADE_LIST", 404, "The run is not a finished Pine script run, so it has no TradingView trade list."),
        ("SCRIPT_EXISTS", 409, "A script with this name (without case) exists; save a new version with PUT."),
        ("SCRIPT_TOO_LARGE", 413, "The script source is larger than 512 KiB."),
        ("SCRIPT_COMPILE_ERROR", 422, "The script a run names does not compile; details.diagnostics lists the problems."),
        ("SHORT_NOT_ALLOWED", 422, "A paper/sandbox/live run of a script that can open a short position, on a spot venue."),
    ]

    static let nameParameter: JSONValue = [
        "name": "name", "in": "path", "required": true, "description": "Script name (1–64 of A–Z a–z 0–9 space _ . -; any case)",
        "schema": ["type": "string"],
    ]

    static func scriptPaths() -> [String: JSONValue] {
        let sourceBody = object(["source": ["type": "string", "maxLength": 524_288]])
        return [
            "/api/v1/scripts": [
                "get": operation("listScripts", "Saved Pine scripts (newest version of each)", ok: ref("ScriptList")),
                "post": operation(
                    "createScript", "Save a new script (version 1); a script with errors is saved too", ok: ref("Script"), okStatus: 201,
                    errors: [409, 413], body: object(["name": ["type": "string", "minLength": 1, "maxLength": 64], "source": ["type": "string"]])),
            ],
            "/api/v1/scripts/check": [
                "post": operation("checkScript", "Compile a source and list its diagnostics (empty when it compiles)", ok: ref("ScriptCheck"), errors: [413], body: sourceBody),
            ],
            "/api/v1/scripts/{name}": [
                "parameters": [nameParameter],
                "get": operation("getScript", "A saved script with its newest source and diagnostics", ok: ref("Script"), errors: [404]),
                "put": operation("updateScript", "Save a new version (none when the text is unchanged)", ok: ref("Script"), errors: [404, 413], body: sourceBody),
                "delete": operation("deleteScript", "Delete a script and its versions (runs keep the source they ran)", ok: object(["name": ["type": "string"], "deleted": ["type": "boolean"]]), errors: [404]),
            ],
            "/api/v1/scripts/{name}/versions": [
                "parameters": [nameParameter],
                "get": operation("listScriptVersions", "Every version, newest first", ok: ref("ScriptVersionList"), errors: [404]),
            ],
            "/api/v1/scripts/{name}/versions/{version}": [
                "parameters": [nameParameter, ["name": "version", "in": "path", "required": true, "schema": ["type": "string"], "description": "Version number, 1 or more"]],
                "get": operation("getScriptVersion", "One version with its source", ok: ref("ScriptVersion"), errors: [400, 404]),
            ],
            "/api/v1/runs/{id}/trades.csv": [
                "parameters": [idParameter],
                "get": operation(
                    "getRunTradeList", "A Pine script run's TradingView \"List of Trades\" CSV", ok: ["type": "string"], errors: [404],
                    parameters: [query("timezone", ["type": "string"], "IANA zone, UTC or ±HH:MM for the Date/Time column; default UTC")],
                    okContentType: "text/csv"),
            ],
        ]
    }

    static func scriptSchemas() -> [String: JSONValue] {
        let string: JSONValue = ["type": "string"]
        let integer: JSONValue = ["type": "integer"]
        let diagnostic = object([
            "line": integer, "column": integer, "end_column": integer,
            "severity": ["type": "string", "enum": ["error", "warning"]], "message": string,
        ])
        var script: [String: JSONValue] = [
            "name": string, "version": integer, "sha256": string, "size": integer, "created_at": string, "updated_at": string,
            "compiles": ["type": "boolean"], "errors": integer, "warnings": integer, "kind": nullable("string"), "title": nullable("string"),
        ]
        let listed = object(script)
        let required = script.keys.sorted()
        script["source"] = string
        script["diagnostics"] = array(diagnostic)
        script["saved_new_version"] = ["type": "boolean", "description": "POST and PUT: whether this save created a version"]
        return [
            "ScriptCheck": object(["diagnostics": array(diagnostic)]),
            "Script": object(script, required: required + ["source", "diagnostics"]),
            "ScriptList": object(["scripts": array(listed)]),
            "ScriptVersion": object(["version": integer, "sha256": string, "size": integer, "created_at": string, "source": string]),
            "ScriptVersionList": object([
                "name": string, "versions": array(object(["version": integer, "sha256": string, "size": integer, "created_at": string])),
            ]),
        ]
    }
}
