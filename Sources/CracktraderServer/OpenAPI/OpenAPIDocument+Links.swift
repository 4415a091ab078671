/// OpenAPI links between the run-control and script operations: what a response lets a client
/// do next (start → status, the stored run, stop, delete; stop → reset; reset → a new start;
/// a saved script → read, update, delete it). Stateful API tests (schemathesis's `stateful`
/// phase) follow them to build call sequences instead of testing each operation alone.
extension OpenAPIDocument {
    /// (path, method, response status) → links from that response, by name.
    static let responseLinks: [(path: String, method: String, status: String, links: [String: JSONValue])] = [
        ("/api/v1/run/backtest", "post", "200", startLinks),
        ("/api/v1/run/live", "post", "200", startLinks),
        ("/api/v1/run/stop", "post", "200", [
            "GetStatus": link("getStatus", "The stopped run's status"),
            "ResetRunner": link("resetRunner", "Back to idle once the run has ended"),
        ]),
        ("/api/v1/run/reset", "delete", "200", [
            "GetStatus": link("getStatus", "The idle runner"),
            "StartBacktest": link("startBacktest", "A new run"),
        ]),
        ("/api/v1/scripts", "post", "201", [
            "GetScript": link("getScript", "The saved script", parameters: ["name": "$response.body#/name"]),
            "UpdateScript": link("updateScript", "Save a new version", parameters: ["name": "$response.body#/name"]),
            "ListScriptVersions": link("listScriptVersions", "Its versions", parameters: ["name": "$response.body#/name"]),
            "DeleteScript": link("deleteScript", "Delete it", parameters: ["name": "$response.body#/name"]),
        ]),
    ]

    static let startLinks: [String: JSONValue] = [
        "GetStatus": link("getStatus", "The run's live status"),
        "GetResults": link("getResults", "The run's results so far"),
        "GetRun": link("getRun", "The stored run", parameters: ["id": "$response.body#/run_id"]),
        "StopRun": link("stopRun", "Stop the run"),
        "DeleteRun": link("deleteRun", "Delete the stored run (409 RUN_ACTIVE while it runs)", parameters: ["id": "$response.body#/run_id"]),
    ]

    static func link(_ operationId: String, _ description: String, parameters: [String: String] = [:]) -> JSONValue {
        var link: [String: JSONValue] = ["operationId": .string(operationId), "description": .string(description)]
        if !parameters.isEmpty { link["parameters"] = .object(parameters.mapValues(JSONValue.string)) }
        return .object(link)
    }

    /// `paths` with the links of ``responseLinks`` added to their responses.
    static func withLinks(_ paths: [String: JSONValue]) -> [String: JSONValue] {
        var result = paths
        for entry in responseLinks {
            guard case .object(var item)? = result[entry.path], case .object(var operation)? = item[entry.method],
                case .object(var responses)? = operation["responses"], case .object(var response)? = responses[entry.status]
            else { continue }
            response["links"] = .object(entry.links)
            responses[entry.status] = .object(response)
            operation["responses"] = .object(responses)
            item[entry.method] = .object(operation)
            result[entry.path] = .object(item)
        }
        return result
    }
}
