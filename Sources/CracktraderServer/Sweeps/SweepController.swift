import DataAccess
import HTTPTypes
import Logging
import Storage
import Sweep
import Synchronization
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs API sweeps, one at a time, next to (not instead of) the single-run lifecycle.
///
/// The work is the Sweep module's, exactly as `cracktrader sweep` does it: `SweepPlanner` checks
/// the config against the data, `SweepSession` runs the stages on worker threads of their own (never
/// on an event loop or the cooperative pool) and `SweepMerger` builds the results document. The
/// bars come through the server's `DataResolver`, the same path its backtests use (sim generated,
/// other exchanges from the candle store or downloads).
///
/// Stop sets a flag the workers check between cells: finished cells are kept and stored with
/// status `stopped`. Results go to SQLite (`SweepStore`) when the sweep ends, so they survive a
/// restart; a sweep still `running` when the process died is marked `interrupted` on start-up.
actor SweepController {
    let store: SweepStore
    let resolver: DataResolver
    let hub: StatusHub
    let options: RunnerOptions
    let logger: Logger
    /// Refuses bigger sweeps before anything runs (422 `SWEEP_TOO_MANY_CELLS`).
    let maxCells: Int
    /// Worker threads per sweep.
    let jobs: Int
    /// Least time between two progress messages of one sweep on the WebSocket.
    static let progressInterval: Duration = .milliseconds(250)

    private var active: ActiveSweep?

    init(
        store: SweepStore, resolver: DataResolver, hub: StatusHub, options: RunnerOptions, logger: Logger,
        maxCells: Int = SweepConfig.defaultMaxCells, jobs: Int = ProcessorCount.online
    ) {
        self.store = store
        self.resolver = resolver
        self.hub = hub
        self.options = options
        self.logger = logger
        self.maxCells = maxCells
        self.jobs = max(1, jobs)
    }

    /// The id of the running sweep, if any.
    var activeID: String? { active?.id }

    /// The live progress of `id` while it runs (fresher than the database).
    func liveProgress(_ id: String) -> SweepProgress? {
        guard let active, active.id == id else { return nil }
        return active.snapshot().progress
    }

    // MARK: Start

    /// Loads the data, plans, records and starts a sweep; answers once it is running.
    func start(_ request: SweepRequest) async throws -> SweepJSON {
        try refuseIfActive()
        let config = request.config
        let timeframe = config.timeframe ?? .oneHour
        let data = try await loadData(config, exchange: request.exchange, timeframe: timeframe)
        let planner: SweepPlanner
        let total: Int
        do {
            planner = try SweepPlanner(config: config, data: data, maxCells: maxCells)
            total = try planner.nextCells(history: []).count
        } catch {
            throw Self.unprocessable(error)
        }
        // Checked again: another start may have won while the data loaded.
        try refuseIfActive()
        let id = RunController.makeRunID()
        let createdAt = options.now()
        var configJSON = config.json(includingData: false).objectValue ?? [:]
        configJSON["exchange"] = .string(request.exchange)
        if let saved = request.savedScript {
            // The name the request used (what "open as a run" sends as strategy_name) and the
            // version swept; the header's script keeps its title and SHA-256.
            configJSON["strategy"] = .string(saved.name)
            var script = configJSON["script"]?.objectValue ?? [:]
            script["name"] = .string(saved.name)
            script["version"] = .int(saved.version)
            configJSON["script"] = .object(script)
        }
        let record = SweepRecord(
            id: id, name: request.name, status: SweepStatus.running.rawValue, createdAt: createdAt,
            configJSON: SweepJSON.object(configJSON).canonicalText, timeframe: data.timeframe.rawValue, exchange: request.exchange,
            total: total)
        // Taken before the first suspension, so no other start can slip in while the row is written.
        let sweep = ActiveSweep(id: id, total: total)
        active = sweep
        do {
            try await store.create(record)
        } catch {
            active = nil
            logger.error("could not record sweep", metadata: ["sweep_id": "\(id)", "error": "\(error)"])
            throw APIError.storageFailure(error, message: "the sweep could not be recorded in the database", details: ["sweep_id": .string(id)])
        }
        publish(sweep, status: .running)
        let jobs = self.jobs
        let hub = self.hub
        Task.detached {
            let outcome = await Self.execute(planner, sweep: sweep, jobs: jobs, hub: hub)
            await self.finish(sweep, outcome: outcome)
        }
        return SweepDocuments.started(id: id, createdAt: createdAt, total: total)
    }

    private func refuseIfActive() throws(APIError) {
        guard let active else { return }
        throw APIError(
            status: .conflict, code: "SWEEP_ACTIVE", message: "sweep \(active.id) is running; stop it or wait for it to end",
            details: ["active_sweep_id": .string(active.id)])
    }

    /// The bars of every symbol through the server's resolver, with the range rules of backtests.
    private func loadData(_ config: SweepConfig, exchange: String, timeframe: Timeframe) async throws -> SweepDataSet {
        // The config parser already requires start < end for an exchange sweep.
        let start = config.start ?? 0, end = config.end ?? 0
        let bars = (end - start + timeframe.milliseconds - 1) / timeframe.milliseconds
        guard bars <= Int64(options.maximumBars) else {
            throw SweepRequest.invalid("end", "the range holds about \(bars) \(timeframe) bars per symbol; at most \(options.maximumBars) are allowed")
        }
        var series: [TradingSymbol: [Bar]] = [:]
        for symbol in config.symbols {
            do {
                series[symbol] = try await resolver.bars(exchange: exchange, symbol: symbol, timeframe: timeframe, from: start, to: end)
            } catch {
                let mapped = APIError(error)
                var details = mapped.details
                details["field"] = details["field"] ?? .string("exchange")
                throw APIError(status: mapped.status, code: mapped.code, message: mapped.message, details: details)
            }
        }
        return SweepDataSet(timeframe: timeframe, bars: series)
    }

    /// 422 with the Sweep module's code for what the planner refuses (an empty grid, too many
    /// cells, folds that do not fit, a symbol without bars).
    static func unprocessable(_ error: SweepError) -> APIError {
        var details: [String: JSONValue] = [:]
        if let field = error.field { details["field"] = .string(field) }
        return APIError(status: .unprocessableContent, code: error.code, message: error.field.map { "\($0): \(error.message)" } ?? error.message, details: details)
    }

    // MARK: Running

    /// How a sweep ended: its results document (none when it failed) and error.
    struct Outcome: Sendable {
        var document: SweepJSON?
        var error: SweepError?
    }

    /// The whole sweep, off the actor: planning and merging are CPU work too.
    private static func execute(_ planner: SweepPlanner, sweep: ActiveSweep, jobs: Int, hub: StatusHub) async -> Outcome {
        do {
            let document = try await SweepSession.run(planner, jobs: jobs, progress: { stage, done, total in
                if sweep.update(stage: stage, done: done, total: total, interval: progressInterval) {
                    hub.publish(type: SweepUpdate.type, payload: SweepUpdate(sweep, status: .running), status: SweepStatus.running.rawValue)
                }
            }, shouldStop: { sweep.stopRequested })
            return Outcome(document: document)
        } catch {
            return Outcome(error: error)
        }
    }

    private func finish(_ sweep: ActiveSweep, outcome: Outcome) async {
        let status: SweepStatus = outcome.error != nil ? .failed : sweep.stopRequested ? .stopped : .completed
        let rows = outcome.document.map(SweepDocuments.cellRows) ?? []
        if status == .completed, let document = outcome.document {
            sweep.complete(cells: (document["cells"]?.arrayValue ?? []).count)
        }
        let progress = sweep.snapshot().progress
        let errorJSON = outcome.error.map { SweepJSON.object(["code": .string($0.code), "message": .string($0.description)]).canonicalText }
        do {
            try await store.finish(
                id: sweep.id, status: status.rawValue, endedAt: options.now(), stage: progress.stage, done: progress.done,
                total: progress.total, errorJSON: errorJSON, resultsJSON: outcome.document.map(SweepDocuments.resultsJSON), cells: rows)
        } catch {
            logger.error("could not store sweep results", metadata: ["sweep_id": "\(sweep.id)", "error": "\(error)"])
        }
        if let error = outcome.error {
            logger.warning("sweep failed", metadata: ["sweep_id": "\(sweep.id)", "error": "\(error)"])
        }
        active = nil
        publish(sweep, status: status)
        sweep.ended()
    }

    private func publish(_ sweep: ActiveSweep, status: SweepStatus) {
        hub.publish(type: SweepUpdate.type, payload: SweepUpdate(sweep, status: status), status: status.rawValue)
    }

    // MARK: Stop

    /// Stops the sweep between cells and waits until it has ended; its status then (nil when
    /// there is no such sweep).
    func stop(_ id: String) async throws -> String? {
        if let active, active.id == id {
            active.requestStop()
            await active.waitUntilEnded()
        }
        return try await store.sweep(id: id)?.status
    }
}

/// Statuses of a sweep.
enum SweepStatus: String, Sendable {
    case running, completed, stopped, failed, interrupted
}

/// Stage, cells done in it, cells in it.
struct SweepProgress: Sendable, Hashable {
    var stage: Int
    var done: Int
    var total: Int

    var json: SweepJSON {
        .object(["stage": .int(stage), "done": .int(done), "total": .int(total)])
    }
}

/// The running sweep's shared state: worker threads update its progress, the routes read it.
final class ActiveSweep: Sendable {
    let id: String
    private let stop = Atomic<Bool>(false)
    private let state: Mutex<State>
    private let endSignal = Mutex<(ended: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    struct State {
        var progress: SweepProgress
        var stageStarted: ContinuousClock.Instant = .now
        var lastPublished: ContinuousClock.Instant?
    }

    init(id: String, total: Int) {
        self.id = id
        state = Mutex(State(progress: SweepProgress(stage: 0, done: 0, total: total)))
    }

    var stopRequested: Bool { stop.load(ordering: .acquiring) }
    func requestStop() { stop.store(true, ordering: .releasing) }

    /// Records progress; true when a progress message is due (at most one per `interval`).
    func update(stage: Int, done: Int, total: Int, interval: Duration) -> Bool {
        state.withLock { state in
            let now = ContinuousClock.now
            if stage != state.progress.stage { state.stageStarted = now }
            // Workers report out of order; never move backwards within a stage.
            if stage != state.progress.stage || done > state.progress.done {
                state.progress = SweepProgress(stage: stage, done: done, total: total)
            }
            if let last = state.lastPublished, now - last < interval { return false }
            state.lastPublished = now
            return true
        }
    }

    /// A completed sweep's last stage is done.
    func complete(cells: Int) {
        state.withLock { state in state.progress.done = state.progress.total }
    }

    func snapshot() -> (progress: SweepProgress, etaSeconds: Double?) {
        state.withLock { state in
            let progress = state.progress
            guard progress.done > 0, progress.done < progress.total else { return (progress, nil) }
            let elapsed = ContinuousClock.now - state.stageStarted
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return (progress, seconds / Double(progress.done) * Double(progress.total - progress.done))
        }
    }

    func ended() {
        let waiters = endSignal.withLock { signal in
            signal.ended = true
            defer { signal.waiters = [] }
            return signal.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilEnded() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = endSignal.withLock { signal in
                if !signal.ended { signal.waiters.append(continuation) }
                return signal.ended
            }
            if done { continuation.resume() }
        }
    }
}

/// The WebSocket's `sweep_update` payload.
struct SweepUpdate: Encodable, Sendable {
    static let type = "sweep_update"

    struct Progress: Encodable, Sendable {
        let stage: Int
        let done: Int
        let total: Int
    }

    let sweep_id: String
    let status: String
    let progress: Progress
    let eta_seconds: Double?

    init(_ sweep: ActiveSweep, status: SweepStatus) {
        let (progress, eta) = sweep.snapshot()
        sweep_id = sweep.id
        self.status = status.rawValue
        self.progress = Progress(stage: progress.stage, done: progress.done, total: progress.total)
        eta_seconds = status == .running ? eta : nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sweep_id, forKey: .sweep_id)
        try container.encode(status, forKey: .status)
        try container.encode(progress, forKey: .progress)
        // Always present: null when unknown.
        try container.encode(eta_seconds, forKey: .eta_seconds)
    }

    enum CodingKeys: String, CodingKey {
        case sweep_id, status, progress, eta_seconds
    }
}
