import HTTPTypes
import Hummingbird
import NIOCore
import Storage
import Sweep

/// `/api/v1/sweeps`: start, list, read (with a sorted page of cells), stop and delete parameter
/// sweeps (docs/api.md, "Sweeps"). Progress also goes to the WebSocket as `sweep_update`.
struct SweepRoutes {
    let controller: SweepController
    let idempotency: IdempotencyStore
    /// Saved scripts a sweep's `strategy` may name (nil: built-ins only).
    var scripts: ScriptStore? = nil

    func register(on routes: inout RouteRegistrar) throws {
        let controller = self.controller
        let store = controller.store
        // Idempotency-Key as on POST /run/backtest; no run mode can be created by this route.
        let idempotent = IdempotentStarts(store: idempotency)
        let scripts = self.scripts
        try routes.add(.post, "/api/v1/sweeps", handler: idempotent.wrap(route: "/api/v1/sweeps", modes: ["sweep"]) { request, _ in
            let body = try await SweepRequest.read(request, scripts: scripts)
            return Self.respond(try await controller.start(body), status: .accepted)
        })
        try routes.add(.get, "/api/v1/sweeps") { request, _ in
            let limit = try RunRoutes.intQuery(request, "limit", default: 20, range: 1...500)
            let offset = try RunRoutes.intQuery(request, "offset", default: 0, range: 0...Int(Int32.max))
            let (records, total) = try await Self.storage { try await store.list(limit: limit, offset: offset) }
            var live: [String: SweepProgress] = [:]
            if let id = await controller.activeID, let progress = await controller.liveProgress(id) { live[id] = progress }
            return Self.respond(SweepDocuments.list(records, total: total, limit: limit, offset: offset) { live[$0] })
        }
        try routes.add(.get, "/api/v1/sweeps/{id}") { request, context in
            let id = context.parameters.get("id") ?? ""
            let limit = try RunRoutes.intQuery(request, "limit", default: 100, range: 1...1_000)
            let offset = try RunRoutes.intQuery(request, "offset", default: 0, range: 0...Int(Int32.max))
            let (order, descending) = try Self.order(request)
            let role = try Self.role(request)
            guard let record = try await Self.storage({ try await store.sweep(id: id) }) else { throw Self.notFound(id) }
            let (cells, total) = try await Self.storage {
                try await store.cells(sweepID: id, role: role, order: order, descending: descending, limit: limit, offset: offset)
            }
            let document = SweepDocuments.detail(
                record, liveProgress: await controller.liveProgress(id), cells: cells, cellsTotal: total, limit: limit, offset: offset)
            return Self.respond(document)
        }
        try routes.add(.post, "/api/v1/sweeps/{id}/stop") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let status = try await Self.storage({ try await controller.stop(id) }) else { throw Self.notFound(id) }
            return Self.respond(.object(["sweep_id": .string(id), "status": .string(status)]))
        }
        try routes.add(.delete, "/api/v1/sweeps/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            if await controller.activeID == id {
                throw APIError(
                    status: .conflict, code: "SWEEP_ACTIVE", message: "sweep \(id) is running; stop it before deleting it",
                    details: ["active_sweep_id": .string(id)])
            }
            guard try await Self.storage({ try await store.delete(id: id) }) else { throw Self.notFound(id) }
            return Self.respond(.object(["sweep_id": .string(id), "deleted": .bool(true)]))
        }
    }

    static func respond(_ document: SweepJSON, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.raw(ByteBuffer(bytes: document.canonicalBytes), status: status)
    }

    static func notFound(_ id: String) -> APIError {
        APIError(status: .notFound, code: "SWEEP_NOT_FOUND", message: "no sweep with id '\(id)'", details: ["sweep_id": .string(id)])
    }

    /// A database failure as 503 `STORAGE_ERROR` (or the storage-unavailable answer).
    static func storage<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.storageFailure(error, message: "the sweep store could not be read or written")
        }
    }

    /// `sort` (rank, id, objective or a `performance_metrics` key; default rank) and `order`
    /// (asc or desc; default asc for rank and id, desc for objective and metrics: best first).
    static func order(_ request: Request) throws(APIError) -> (SweepCellOrder, Bool) {
        let sort = request.uri.queryParameters["sort"].map(String.init) ?? "rank"
        let order: SweepCellOrder
        switch sort {
        case "rank": order = .rank
        case "id": order = .id
        case "objective": order = .objective
        default:
            guard SweepDocuments.metricKeys.contains(sort) else {
                throw query("sort", "must be rank, id, objective or a performance_metrics key (\(SweepDocuments.metricKeys.sorted().joined(separator: ", ")))")
            }
            order = .metric(sort)
        }
        switch request.uri.queryParameters["order"].map(String.init) {
        case nil:
            switch order {
            case .rank, .id: return (order, false)
            case .objective, .metric: return (order, true)
            }
        case "asc"?: return (order, false)
        case "desc"?: return (order, true)
        default: throw query("order", "must be asc or desc")
        }
    }

    static func role(_ request: Request) throws(APIError) -> String? {
        guard let text = request.uri.queryParameters["role"].map(String.init) else { return nil }
        guard ["sweep", "in_sample", "out_of_sample", "holdout"].contains(text) else {
            throw query("role", "must be sweep, in_sample, out_of_sample or holdout")
        }
        return text
    }

    static func query(_ name: String, _ reason: String) -> APIError {
        APIError(
            status: .badRequest, code: "VALIDATION_ERROR", message: "query parameter \(name) \(reason)",
            details: ["field": .string(name), "fields": .object([name: .string(reason)])])
    }
}
