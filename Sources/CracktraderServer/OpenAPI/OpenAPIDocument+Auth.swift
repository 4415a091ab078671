/// Authentication in the document: the bearer and cookie schemes are always described; when the
/// server runs with a token they are required on every operation but `/api/v1/health` (whose
/// signed-out answer is `{"status"}` only), each of which then also lists 401 `AUTH_REQUIRED`.
/// Without a token nothing is required, so the document stays true for that server too.
extension OpenAPIDocument {
    static let authErrorCodes: [(code: String, status: Int, meaning: String)] = [
        ("AUTH_REQUIRED", 401, "The server runs with a token and the request has no valid Authorization: Bearer token or session cookie (details.reason: missing_credentials or invalid_credentials); WWW-Authenticate: Bearer."),
    ]

    static let securitySchemes: JSONValue = [
        "bearerAuth": [
            "type": "http", "scheme": "bearer",
            "description": "The token given to cracktrader serve (--auth-token-file, CRACKTRADER_AUTH_TOKEN or --auth-token).",
        ],
        "sessionCookie": [
            "type": "apiKey", "in": "cookie", "name": .string(Authenticator.cookieName),
            "description": "Set by /ui/login (the one-time login URL printed at start, or the sign-in form); HttpOnly, SameSite=Strict.",
        ],
    ]

    /// Adds `components.securitySchemes`, and with `required` the top-level `security` and the 401s.
    static func withAuthentication(_ document: JSONValue, required: Bool) -> JSONValue {
        guard case .object(var root) = document else { return document }
        if case .object(var components)? = root["components"] {
            components["securitySchemes"] = securitySchemes
            root["components"] = .object(components)
        }
        guard required else { return .object(root) }
        root["security"] = [["bearerAuth": []], ["sessionCookie": []]]
        guard case .object(var paths)? = root["paths"] else { return .object(root) }
        for (path, item) in paths {
            guard case .object(var operations) = item else { continue }
            for (method, value) in operations where method != "parameters" {
                guard case .object(var operation) = value else { continue }
                if path == "/api/v1/health" {
                    operation["security"] = [[:]]
                } else if case .object(var responses)? = operation["responses"] {
                    let unauthorized: [String: JSONValue] =
                        path == "/ui"
                        ? ["401": ["description": "The sign-in page", "content": ["text/html": ["schema": ["type": "string"]]]]]
                        : errors([401])
                    responses.merge(unauthorized) { current, _ in current }
                    operation["responses"] = .object(responses)
                }
                operations[method] = .object(operation)
            }
            paths[path] = .object(operations)
        }
        root["paths"] = .object(paths)
        return .object(root)
    }
}
