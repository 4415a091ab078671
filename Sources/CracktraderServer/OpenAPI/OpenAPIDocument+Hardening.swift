/// The error codes of the hardening rules: request limits, timeouts, rate limits and
/// idempotent starts (see docs/operations.md, "Security checklist").
extension OpenAPIDocument {
    static let hardeningErrorCodes: [(code: String, status: Int, meaning: String)] = [
        ("HEADERS_TOO_LARGE", 431, "The request head is larger than the cap (16 KiB) or has more header fields than the cap (100); the connection is closed."),
        ("REQUEST_TIMEOUT", 408, "The request head did not arrive within the head timeout (10 s by default); the connection is closed."),
        ("RATE_LIMITED", 429, "Too many state-changing requests (POST, PUT, PATCH, DELETE) from this address; wait Retry-After seconds (details.retry_after_seconds)."),
        ("INVALID_IDEMPOTENCY_KEY", 400, "The Idempotency-Key header is not one value of 1 to 255 printable ASCII characters."),
        ("IDEMPOTENCY_KEY_REUSED", 422, "This Idempotency-Key was used within 24 h with a different request body; nothing was started."),
        ("IDEMPOTENCY_KEY_IN_USE", 409, "A request with this Idempotency-Key is still being answered; retry shortly."),
        ("STORAGE_UNAVAILABLE", 503, "The database cannot record changes right now (full disk, read-only file, I/O error); nothing was changed, reads still work; retry after Retry-After seconds (details.reason, details.retry_after_seconds)."),
    ]

    /// Every state-changing operation may be rate-limited (429) or refused while the database
    /// cannot take writes (503 `STORAGE_UNAVAILABLE`); starts also take `Idempotency-Key`. The
    /// run and script operations are linked (see `withLinks`) for stateful API tests.
    static func withHardeningResponses(_ paths: [String: JSONValue]) -> [String: JSONValue] {
        let idempotencyKey: JSONValue = [
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "1–255 printable ASCII characters; the same key and body within 24 h return the first answer",
            "schema": ["type": "string", "minLength": 1, "maxLength": 255],
        ]
        var result = paths
        for (path, item) in paths {
            guard case .object(var operations) = item else { continue }
            for method in ["post", "put", "patch", "delete"] {
                guard case .object(var operation)? = operations[method] else { continue }
                if case .object(var responses)? = operation["responses"] {
                    responses.merge(errors([429, 503])) { current, _ in current }
                    operation["responses"] = .object(responses)
                }
                if path == "/api/v1/run/backtest" || path == "/api/v1/run/live" || (path == "/api/v1/sweeps" && method == "post") {
                    var parameters: [JSONValue] = []
                    if case .array(let existing)? = operation["parameters"] { parameters = existing }
                    operation["parameters"] = .array(parameters + [idempotencyKey])
                }
                operations[method] = .object(operation)
            }
            result[path] = .object(operations)
        }
        return withLinks(result)
    }
}
