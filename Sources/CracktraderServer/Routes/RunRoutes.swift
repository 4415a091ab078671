#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import NIOCore
import Storage
import TradingCore

/// Run control and reports: `/run/*`, `/status`, `/status/detailed`, `/results` and the run
/// history under `/runs`.
struct RunRoutes {
    let controller: RunController
    let health: HealthRoutes
    /// Saved Pine scripts: `strategy_name` may name one (see `ScriptRun.swift`).
    var scripts: ScriptLibrary?

    func register(on routes: inout RouteRegistrar) throws {
        let controller = self.controller
        let health = self.health
        let scripts = self.scripts
        // Idempotency-Key on the two starts (see IdempotentStart.swift).
        let idempotent = IdempotentStarts(store: controller.database.idempotency)
        try routes.add(.post, "/api/v1/run/backtest", handler: idempotent.wrap(route: "/api/v1/run/backtest", modes: ["backtest"]) { request, context in
            let body = try await request.decodeJSON(as: [String: JSONValue].self, context: context)
            let script = try await scripts?.selection(forRunBody: body)
            let plan = try RunPlanner.plan(
                body: body, live: false, options: controller.options, script: script, scriptNames: await scripts?.names() ?? [])
            return try JSONResponse.ok(try await controller.start(plan: plan), status: .ok)
        })
        try routes.add(.post, "/api/v1/run/live", handler: idempotent.wrap(route: "/api/v1/run/live", modes: ["paper", "sandbox", "live"]) { request, context in
            let body = try await request.decodeJSON(as: [String: JSONValue].self, context: context)
            let script = try await scripts?.selection(forRunBody: body)
            let plan = try RunPlanner.plan(
                body: body, live: true, options: controller.options, script: script, scriptNames: await scripts?.names() ?? [])
            return try JSONResponse.ok(try await controller.start(plan: plan), status: .ok)
        })
        try routes.add(.post, "/api/v1/run/stop") { _, _ in
            try JSONResponse.ok(await controller.stop())
        }
        try routes.add(.delete, "/api/v1/run/reset") { _, _ in
            try JSONResponse.ok(try controller.reset())
        }
        try routes.add(.get, "/api/v1/status") { _, _ in
            JSONResponse.raw(try controller.statusBody())
        }
        try routes.add(.get, "/api/v1/status/detailed") { _, _ in
            try JSONResponse.ok(controller.detailed(health: await health.report()))
        }
        try routes.add(.get, "/api/v1/results") { request, _ in
            let maxPoints = try Self.maxPoints(request, default: controller.options.defaultMaxPoints)
            guard let document = controller.results(maxPoints: maxPoints) else {
                throw APIError(status: .notFound, code: "NO_RESULTS", message: "no run has been started yet (or the runner was reset)")
            }
            return try JSONResponse.ok(try await ScriptResults.attach(document, store: controller.database.scripts, maxPoints: maxPoints))
        }
        try routes.add(.get, "/api/v1/runs") { request, _ in
            let limit = try Self.intQuery(request, "limit", default: 20, range: 1...500)
            let offset = try Self.intQuery(request, "offset", default: 0, range: 0...Int(Int32.max))
            return try JSONResponse.ok(try await Self.list(controller.database.runs, limit: limit, offset: offset))
        }
        try routes.add(.get, "/api/v1/runs/{id}") { request, context in
            let id = context.parameters.get("id") ?? ""
            let maxPoints = try Self.maxPoints(request, default: controller.options.defaultMaxPoints)
            // The run in memory is fresher than the database while it is active.
            if let live = controller.results(maxPoints: maxPoints), live.run_id == id {
                return try JSONResponse.ok(try await ScriptResults.attach(live, store: controller.database.scripts, maxPoints: maxPoints))
            }
            guard let document = try await Self.stored(controller.database.runs, id: id, maxPoints: maxPoints) else {
                throw Self.runNotFound(id)
            }
            return try JSONResponse.ok(try await ScriptResults.attach(document, store: controller.database.scripts, maxPoints: maxPoints))
        }
        try routes.add(.delete, "/api/v1/runs/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            if controller.activeRunID == id {
                throw APIError(
                    status: .conflict, code: "RUN_ACTIVE", message: "run \(id) is active; stop it before deleting it",
                    details: ["active_run_id": .string(id)])
            }
            guard try await controller.database.runs.deleteRun(id: id) else { throw Self.runNotFound(id) }
            return try JSONResponse.ok(DeletedRun(run_id: id, deleted: true))
        }
    }

    struct DeletedRun: Encodable {
        let run_id: String
        let deleted: Bool
    }

    static func runNotFound(_ id: String) -> APIError {
        APIError(status: .notFound, code: "RUN_NOT_FOUND", message: "no run with id '\(id)'", details: ["run_id": .string(id)])
    }

    static func maxPoints(_ request: Request, default value: Int) throws(APIError) -> Int {
        try intQuery(request, "max_points", default: value, range: 0...10_000_000)
    }

    static func intQuery(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR",
                message: "query parameter \(name) must be a whole number in \(range.lowerBound)…\(range.upperBound)",
                details: ["fields": .object([name: .string("must be a whole number in \(range.lowerBound)…\(range.upperBound)")])])
        }
        return number
    }

    // MARK: History

    static func list(_ store: RunStore, limit: Int, offset: Int) async throws -> RunListDocument {
        let (runs, total) = try await store.listRuns(limit: limit, offset: offset)
        let entries = runs.map { run -> RunListEntry in
            let metrics = run.metricsJSON.flatMap { try? JSONDecoder().decode(PerformanceMetrics.self, from: Data($0.utf8)) }
            return RunListEntry(
                run_id: run.id, mode: run.mode, strategy_name: run.strategyName, status: run.status, symbols: [],
                timeframe: nil, exchange: nil, created_at: ISO8601Timestamp.string(fromMilliseconds: run.createdAt),
                start_time: isoTime(run.startedAt), end_time: isoTime(run.endedAt), error: run.error, final_value: run.finalValue,
                trade_count: run.tradeCount, total_return: metrics?.totalReturn, sharpe_ratio: metrics?.sharpeRatio,
                max_drawdown: metrics?.maxDrawdown, win_rate: metrics?.winRate, total_trades: metrics?.totalTrades)
        }
        // Symbols, timeframe and exchange live in each run's config.
        var withConfig: [RunListEntry] = []
        for var entry in entries {
            if let record = try await store.run(id: entry.run_id),
               case .object(let config)? = try? JSONDecoder().decode(JSONValue.self, from: Data(record.configJSON.utf8))
            {
                if case .array(let symbols)? = config["symbols"] {
                    entry = entry.with(symbols: symbols.compactMap { if case .string(let s) = $0 { s } else { nil } })
                }
                if case .string(let timeframe)? = config["timeframe"] { entry.timeframe = timeframe }
                if case .string(let exchange)? = config["exchange"] { entry.exchange = exchange }
            }
            withConfig.append(entry)
        }
        return RunListDocument(runs: withConfig, total: total, limit: limit, offset: offset)
    }

    /// A run from the database: its stored results, or (for a run that never produced any — one
    /// interrupted by a crash, say) the record with the orders, trades and fills committed so far.
    static func stored(_ store: RunStore, id: String, maxPoints: Int) async throws -> ResultsDocument? {
        guard let record = try await store.run(id: id) else { return nil }
        let config = (try? JSONDecoder().decode(JSONValue.self, from: Data(record.configJSON.utf8))) ?? .object([:])
        var initialCash = 10_000.0
        if case .object(let object) = config, case .number(let cash)? = object["initial_cash"] { initialCash = cash }
        let decoder = JSONDecoder()
        let activity = try await store.activity(id: id)
        let orders = activity.ordersJSON.compactMap { try? decoder.decode(OrderRecord.self, from: Data($0.utf8)) }
        let trades = activity.tradesJSON.compactMap { try? decoder.decode(TradeRecord.self, from: Data($0.utf8)) }
        let fills = activity.fillsJSON.compactMap { try? decoder.decode(FillRecord.self, from: Data($0.utf8)) }
        if let results = try await store.results(id: id),
           var summary = try? decoder.decode(StoredRunSummary.self, from: Data(results.resultsJSON.utf8))
        {
            // The record's status and error are authoritative (e.g. a later failure to finish).
            summary.status = record.status
            summary.error = record.error ?? summary.error
            let equity = EquitySeries(
                timestamps: results.equity.map(\.timestamp), values: results.equity.map(\.value), cash: results.equity.map(\.cash),
                initialCash: summary.initial_cash)
            var document = ResultsDocument(summary: summary, orders: orders, trades: trades, fills: fills, equity: equity, maxPoints: maxPoints)
            document.reconciliation = try await store.reconciliation(runID: id).flatMap(RunReconciler.load)
            return document
        }
        let summary = StoredRunSummary(
            run_id: record.id, mode: record.mode, config: config, status: record.status, start_time: isoTime(record.startedAt),
            end_time: isoTime(record.endedAt), data_start: nil, data_end: nil, positions: [], performance_metrics: nil,
            final_value: record.finalValue, error: record.error, bars_processed: 0, initial_cash: initialCash)
        var document = ResultsDocument(
            summary: summary, orders: orders, trades: trades, fills: fills, equity: EquitySeries(initialCash: initialCash),
            maxPoints: maxPoints)
        document.reconciliation = try await store.reconciliation(runID: id).flatMap(RunReconciler.load)
        return document
    }
}

extension RunListEntry {
    func with(symbols: [String]) -> RunListEntry {
        RunListEntry(
            run_id: run_id, mode: mode, strategy_name: strategy_name, status: status, symbols: symbols, timeframe: timeframe,
            exchange: exchange, created_at: created_at, start_time: start_time, end_time: end_time, error: error,
            final_value: final_value, trade_count: trade_count, total_return: total_return, sharpe_ratio: sharpe_ratio,
            max_drawdown: max_drawdown, win_rate: win_rate, total_trades: total_trades)
    }
}

extension JSONResponse {
    /// A response around bytes that are already JSON.
    static func raw(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
