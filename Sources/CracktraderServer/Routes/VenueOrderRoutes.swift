import Hummingbird

/// The user's decision on the open orders of an interrupted sandbox or live run:
/// `POST /api/v1/runs/{id}/open-orders/cancel` (body optional: `{"exchange_config": {…keys…}}`,
/// else the keys come from the environment) and `POST /api/v1/runs/{id}/open-orders/keep`; and
/// the user's cancel of one order of the running sandbox/live run,
/// `POST /api/v1/run/orders/{client_order_id}/cancel` (202: sent to the venue).
struct VenueOrderRoutes {
    let controller: RunController

    func register(on routes: inout RouteRegistrar) throws {
        let controller = self.controller
        try routes.add(.post, "/api/v1/runs/{id}/open-orders/cancel") { request, context in
            let id = context.parameters.get("id") ?? ""
            var exchangeConfig: JSONValue?
            if let length = request.headers[.contentLength], length != "0" {
                let body = try await request.decodeJSON(as: [String: JSONValue].self, context: context)
                if let unknown = body.keys.sorted().first(where: { $0 != "exchange_config" }) {
                    throw APIError(
                        status: .badRequest, code: "VALIDATION_ERROR", message: "unknown field \(unknown); the body takes only exchange_config",
                        details: ["fields": .object([unknown: "is not an accepted field"])])
                }
                exchangeConfig = body["exchange_config"]
            }
            return try JSONResponse.ok(try await controller.decideOpenOrders(runID: id, cancel: true, exchangeConfig: exchangeConfig))
        }
        try routes.add(.post, "/api/v1/run/orders/{client_order_id}/cancel") { _, context in
            let clientOrderId = context.parameters.get("client_order_id") ?? ""
            return try JSONResponse.ok(try controller.cancelOrder(clientOrderId: clientOrderId), status: .accepted)
        }
        try routes.add(.post, "/api/v1/runs/{id}/open-orders/keep") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try JSONResponse.ok(try await controller.decideOpenOrders(runID: id, cancel: false, exchangeConfig: nil))
        }
    }
}
