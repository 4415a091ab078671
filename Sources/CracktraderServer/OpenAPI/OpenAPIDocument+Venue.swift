/// Sandbox and live trading in the OpenAPI document: the routes for open orders, the error codes
/// of venue runs, and the optional fields they add to existing schemas.
extension OpenAPIDocument {
    static let venueErrorCodes: [(code: String, status: Int, meaning: String)] = [
        ("EXCHANGE_UNREACHABLE", 503, "A sandbox or live run's venue cannot be reached (or did not answer in time); nothing was started or changed."),
        ("EXCHANGE_AUTH_FAILED", 401, "The venue refused the API keys (wrong key, secret or passphrase, wrong environment, missing permission); the keys are never echoed."),
        ("EXCHANGE_REJECTED", 422, "The venue refused the request at start (e.g. it does not list the symbol)."),
        ("EXCHANGE_RATE_LIMITED", 503, "The venue asks to wait (429/418 with Retry-After); details.retry_after_seconds."),
        ("NOT_INTERRUPTED", 409, "The run has no interrupted open orders to decide about."),
        ("DECISION_MADE", 409, "The interrupted run's open orders were already cancelled or kept."),
        ("NO_OPEN_ORDERS", 409, "The interrupted run has no open orders left."),
        ("NO_VENUE_RUN", 409, "No sandbox or live run is running, so there is no venue order to cancel."),
        ("ORDER_NOT_FOUND", 404, "The running run has no order with that client order id."),
        ("ORDER_NOT_OPEN", 409, "The order is no longer open (filled, cancelled, rejected or expired): there is nothing to cancel."),
    ]

    static func venuePaths() -> [String: JSONValue] {
        let clientOrderID: JSONValue = [
            "name": "client_order_id", "in": "path", "required": true, "description": "The order's client order id (ct<run id><n>)",
            "schema": ["type": "string"],
        ]
        return [
            "/api/v1/run/orders/{client_order_id}/cancel": [
                "parameters": [clientOrderID],
                "post": operation(
                    "cancelRunOrder", "Cancel one order of the running sandbox/live run on the venue (202: sent)", ok: ref("RunResponse"),
                    okStatus: 202, errors: [404, 409]),
            ],
            "/api/v1/runs/{id}/open-orders/cancel": [
                "parameters": [idParameter],
                "post": optionalBody(operation(
                    "cancelInterruptedOrders", "Cancel the open orders of an interrupted sandbox/live run (keys from the body or the environment)",
                    ok: ref("Reconciliation"), errors: [400, 401, 404, 409, 422, 503], body: ref("OpenOrdersCancelRequest"))),
            ],
            "/api/v1/runs/{id}/open-orders/keep": [
                "parameters": [idParameter],
                "post": operation(
                    "keepInterruptedOrders", "Leave the open orders of an interrupted sandbox/live run working on the venue",
                    ok: ref("Reconciliation"), errors: [404, 409]),
            ],
        ]
    }

    /// The operation with its request body marked optional.
    static func optionalBody(_ operation: JSONValue) -> JSONValue {
        guard case .object(var op) = operation, case .object(var body)? = op["requestBody"] else { return operation }
        body["required"] = false
        op["requestBody"] = .object(body)
        return .object(op)
    }

    static func venueSchemas() -> [String: JSONValue] {
        let string: JSONValue = ["type": "string"]
        let number: JSONValue = ["type": "number"]
        return [
            "Reconciliation": object(
                [
                    "status": ["type": "string", "enum": ["reconciled", "credentials_required", "unreachable", "failed"]],
                    "message": string, "checked_at": string, "exchange": string, "sandbox": ["type": "boolean"],
                    "open_orders": array(ref("Order")), "fills_recorded": ["type": "integer"],
                    "decision": ["type": ["string", "null"], "enum": ["cancelled", "kept", .null]], "decided_at": nullable("string"),
                    "cancelled_orders": array(string), "cancel_failures": ["type": "object", "additionalProperties": string],
                ],
                required: ["status", "message", "checked_at", "exchange", "sandbox", "open_orders", "fills_recorded"]),
            "OpenOrdersCancelRequest": [
                "type": "object", "additionalProperties": false,
                "properties": ["exchange_config": ["type": "object", "description": "Keys to cancel with (else CRACKTRADER_<EXCHANGE>_*)"]],
            ],
            "Balance": object(["asset": string, "free": number, "locked": number]),
            "InterruptedRun": object([
                "run_id": string, "mode": string, "exchange": string, "reconciliation_status": string, "open_orders": ["type": "integer"],
            ]),
        ]
    }

    /// Adds the venue runs' optional fields to the schemas they extend.
    static func withVenueFields(_ schemas: [String: JSONValue]) -> [String: JSONValue] {
        var schemas = schemas
        func add(_ schema: String, _ properties: [String: JSONValue]) {
            guard case .object(var object)? = schemas[schema], case .object(var existing)? = object["properties"] else { return }
            for (name, value) in properties { existing[name] = value }
            object["properties"] = .object(existing)
            schemas[schema] = .object(object)
        }
        let modes: JSONValue = ["type": ["string", "null"], "enum": ["backtest", "paper", "sandbox", "live", .null]]
        add("Status", ["mode": modes, "interrupted_runs": array(ref("InterruptedRun"))])
        add("DetailedStatus", ["mode": modes, "interrupted_runs": array(ref("InterruptedRun")), "balances": array(ref("Balance")), "open_orders": array(ref("Order"))])
        add("RunResponse", [
            "cancelled_orders": array(["type": "string"]),
            "cancel_failures": ["type": "object", "additionalProperties": ["type": "string"]],
            "status": ["type": "string", "enum": .array((RunStatus.allCases.map(\.rawValue) + ["cancel_requested"]).map(JSONValue.string))],
        ])
        add("Results", ["reconciliation": ref("Reconciliation")])
        add("LiveRequest", ["cancel_open_orders_on_stop": ["type": "boolean", "default": true, "description": "POST /run/stop cancels the run's open orders on the venue"]])
        return schemas
    }
}
