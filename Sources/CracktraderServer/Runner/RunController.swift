#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DataAccess
import Execution
import ExchangeHistory
import Dispatch
import HTTPTypes
import Logging
import MarketData
import NIOCore
import Storage
import Synchronization
import TradingCore

/// Asks a run to stop: sets a flag the engine polls and runs the cancel action of a paper feed.
/// The run's own task is never cancelled, so it can still save what it did.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let action = Mutex<(@Sendable () -> Void)?>(nil)

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func set() {
        flag.store(true, ordering: .releasing)
        let cancel = action.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        cancel?()
    }

    /// Registers what stopping must cancel; runs it at once when a stop already came.
    func onStop(_ cancel: @escaping @Sendable () -> Void) {
        action.withLock { $0 = cancel }
        if isSet {
            let pending = action.withLock { action -> (@Sendable () -> Void)? in
                defer { action = nil }
                return action
            }
            pending?()
        }
    }
}

/// The run in memory: the current one, or the last one until reset.
struct LiveRun: Sendable {
    let id: String
    let plan: RunPlan
    let createdAt: Int64
    var startedAt: Int64
    var endedAt: Int64?
    let startInstant: ContinuousClock.Instant
    var endInstant: ContinuousClock.Instant?
    var error: String?
    var barsProcessed = 0
    var totalBars: Int?
    var cash: Double
    var value: Double
    var tradeCount = 0
    /// Every order / trade so far, by id (paper), or the final lists (backtest).
    var orders: [OrderRecord] = []
    var trades: [TradeRecord] = []
    /// Every fill so far (paper; backtests do not record fills).
    var fills: [FillRecord] = []
    var positions: [PositionRecord] = []
    var equity: EquitySeries
    var metrics: PerformanceMetrics?
    var finalValue: Double?
    var dataStart: String?
    var dataEnd: String?
    /// When the last live bar arrived (paper), for the `market_data` health check.
    var lastBarInstant: ContinuousClock.Instant?
    /// Sandbox and live: the venue's balances at the last poll.
    var balances: [BalanceRecord]?
    /// Sandbox and live: what stopping cancelled on the venue (set once the run has cancelled).
    var stopCancellation: StopCancellation?
    let stop: StopSignal

    var mode: RunMode { plan.mode }
}

/// Starts, stops and reports runs. All state sits behind one lock; the engine runs on its own
/// serial thread (never on the HTTP event loops, the cooperative pool or Dispatch's), and publishes progress
/// here without ever waiting on a client.
final class RunController: Sendable {
    let database: Database
    let resolver: DataResolver
    let hub: StatusHub
    let metrics: ServerMetrics
    let options: RunnerOptions
    let logger: Logger
    /// The engine's serial queue, on a thread of its own (not Dispatch's pool: see `SerialWorkerThread`).
    let engineQueue = SerialWorkerThread()
    private let inner = Mutex(Inner())

    struct Inner {
        var machine = RunnerStateMachine()
        var run: LiveRun?
        var version = 0
        var cachedStatus: CachedStatus?
        var lastProgressPublish: ContinuousClock.Instant?
        var runsTotal = 0
        var runsFailed = 0
        /// The active sandbox/live run's execution (the user's cancels go through it).
        var venueRun: VenueRun?
        /// Interrupted sandbox/live runs waiting for a cancel-or-keep decision, by run id.
        var interrupted: [String: InterruptedRunSummary] = [:]
    }

    /// Adds, replaces (`summary`) or removes (nil) an interrupted run shown in `/status`.
    func setInterrupted(_ summary: InterruptedRunSummary?, runID: String? = nil) {
        inner.withLock { state in
            if let summary { state.interrupted[summary.run_id] = summary } else if let runID { state.interrupted[runID] = nil }
            state.version += 1
        }
    }

    struct CachedStatus {
        let version: Int
        let at: ContinuousClock.Instant
        let body: ByteBuffer
    }

    /// While a run is active `/status` is re-encoded at most this often (runtime moves on).
    static let statusCacheLifetime: Duration = .milliseconds(50)
    static let progressInterval: Duration = .milliseconds(250)
    static let recentLimit = 50

    init(database: Database, resolver: DataResolver, hub: StatusHub, metrics: ServerMetrics, options: RunnerOptions, logger: Logger) {
        self.database = database
        self.resolver = resolver
        self.hub = hub
        self.metrics = metrics
        self.options = options
        self.logger = logger
    }

    var status: RunStatus { inner.withLock { $0.machine.status } }
    var counts: (total: Int, failed: Int) { inner.withLock { ($0.runsTotal, $0.runsFailed) } }

    // MARK: Start

    func start(plan: RunPlan) async throws -> RunResponse {
        if plan.mode.tradesOnVenue, let active = activeRunID {
            throw APIError(
                status: .conflict, code: "RUN_ALREADY_ACTIVE", message: "run already in progress",
                details: ["active_run_id": .string(active), "status": .string(status.rawValue)])
        }
        // Sandbox and live: the venue is reached (and the keys checked) before the run exists.
        let adapter = try await prepareVenue(plan: plan)
        do {
            return try await start(plan: plan, adapter: adapter)
        } catch {
            await adapter?.shutdown()
            throw error
        }
    }

    private func start(plan: RunPlan, adapter: (any VenueAdapter)?) async throws -> RunResponse {
        let id = Self.makeRunID()
        let now = options.now()
        let run = LiveRun(
            id: id, plan: plan, createdAt: now, startedAt: now, startInstant: .now, totalBars: plan.expectedBars,
            cash: plan.configuration.initialCash, value: plan.configuration.initialCash,
            equity: EquitySeries(initialCash: plan.configuration.initialCash), stop: StopSignal())
        try inner.withLock { (state: inout Inner) throws(APIError) in
            if state.machine.status.isActive, let active = state.run {
                throw APIError(
                    status: .conflict, code: "RUN_ALREADY_ACTIVE", message: "run already in progress",
                    details: ["active_run_id": .string(active.id), "status": .string(state.machine.status.rawValue)])
            }
            do {
                state.machine = try state.machine.transition(.start)
            } catch {
                throw APIError(status: .conflict, code: "RUN_ALREADY_ACTIVE", message: "run already in progress")
            }
            state.run = run
            state.runsTotal += 1
            state.version += 1
        }
        metrics.runStarted(mode: plan.mode.rawValue)
        publishStatus(force: true)

        // The record is durable before the client hears about the run.
        let configJSON = (try? JSONCoding.encode(plan.config)).map { String(buffer: $0) } ?? "{}"
        do {
            try await database.runs.insertRun(RunRecord(
                id: id, mode: plan.mode.rawValue, strategyName: plan.configuration.strategyName, status: RunStatus.starting.rawValue,
                configJSON: configJSON, createdAt: now, startedAt: now))
        } catch {
            logger.error("could not record run", metadata: ["run_id": "\(id)", "error": "\(error)"])
            finish(id: id, event: .fail, error: "storage: the run could not be recorded")
            throw APIError.storageFailure(error, message: "the run could not be recorded in the database", details: ["run_id": .string(id)])
        }
        Task.detached { [self] in
            await self.execute(id: id, plan: plan, stop: run.stop, adapter: adapter)
        }
        let current = inner.withLock { $0.run?.id == id ? $0.machine.status : .starting }
        let noun = switch plan.mode {
        case .backtest: "backtest"
        case .paper: "paper run"
        case .sandbox: "sandbox run on the \(plan.exchange) testnet"
        case .live: "LIVE run on \(plan.exchange) (real orders)"
        }
        return RunResponse(run_id: id, status: current.rawValue, message: "\(noun) started")
    }

    private func execute(id: String, plan: RunPlan, stop: StopSignal, adapter: (any VenueAdapter)?) async {
        await makeExecution(id: id, plan: plan, stop: stop, adapter: adapter).execute()
    }

    /// The one run-execution type per mode (all behind ``RunExecution``).
    private func makeExecution(id: String, plan: RunPlan, stop: StopSignal, adapter: (any VenueAdapter)?) -> any RunExecution {
        switch plan.mode {
        case .backtest: plan.script.map { ScriptBacktestRun(controller: self, id: id, plan: plan, stop: stop, script: $0) } ?? BacktestRun(controller: self, id: id, plan: plan, stop: stop)
        case .paper: plan.script.map { ScriptPaperRun(controller: self, id: id, plan: plan, stop: stop, script: $0) } ?? PaperRun(controller: self, id: id, plan: plan, stop: stop)
        case .sandbox, .live:
            if let adapter, let settings = plan.venue {
                registered(VenueRun(controller: self, id: id, plan: plan, stop: stop, adapter: adapter, settings: settings))
            } else {
                FailedStart(controller: self, id: id, reason: "the venue adapter was not prepared")
            }
        }
    }

    private func registered(_ run: VenueRun) -> VenueRun {
        inner.withLock { $0.venueRun = run }
        return run
    }

    /// The user's cancel of one order of the active sandbox/live run.
    func cancelOrder(clientOrderId: String) throws(APIError) -> RunResponse {
        let (run, runID, active, order) = inner.withLock { state in
            (state.venueRun, state.run?.id, state.machine.status == .running,
             state.run?.orders.first { $0.clientOrderId == clientOrderId })
        }
        guard active, let run, run.id == runID else {
            throw APIError(
                status: .conflict, code: "NO_VENUE_RUN", message: "no sandbox or live run is running; only their orders can be cancelled here")
        }
        // Only an order the run has placed: an id with the run's prefix but no order behind it
        // would otherwise be "sent" and silently do nothing.
        if let order, order.status.isTerminal {
            throw APIError(
                status: .conflict, code: "ORDER_NOT_OPEN", message: "order \(clientOrderId) is \(order.status.rawValue); only open orders can be cancelled",
                details: ["client_order_id": .string(clientOrderId), "order_status": .string(order.status.rawValue)])
        }
        guard order != nil, run.requestCancel(clientOrderId: clientOrderId) else {
            throw APIError(
                status: .notFound, code: "ORDER_NOT_FOUND", message: "the running run has no order \(clientOrderId)",
                details: ["client_order_id": .string(clientOrderId)])
        }
        return RunResponse(run_id: run.id, status: "cancel_requested", message: "cancel of \(clientOrderId) sent to the venue")
    }

    /// Applies `change` to the run `id` if it is the current one; false otherwise.
    func updateRun(id: String, _ change: (inout LiveRun) -> Void) -> Bool {
        inner.withLock { state in
            guard var run = state.run, run.id == id else { return false }
            change(&run)
            state.run = run
            state.version += 1
            return true
        }
    }

    func onEngineQueue<T: Sendable>(_ body: @escaping @Sendable () throws(TradingError) -> T) async throws(TradingError) -> T {
        let result: Result<T, TradingError> = await withCheckedContinuation { continuation in
            engineQueue.async {
                do throws(TradingError) { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    // MARK: Shared by the run executions

    /// `ct` + the run id: the client order id of order `n` of the run is `ct<run id><n>`
    /// (letters and digits only, as OKX requires; 18 characters up to order 9,999, Kraken's limit).
    static func clientOrderIdPrefix(runID: String) -> String { "ct" + runID }

    /// Commits one batch; returns the run's storage error, or nil. An order the journal could not
    /// record fails the run too (it was rejected instead of placed).
    func commit(id: String, batch: RunActivityBatch, journal: RunOrderJournal, durable: Bool = false) async -> String? {
        do {
            if !batch.isEmpty { try await database.runs.record(runID: id, batch, durable: durable) }
        } catch {
            logger.error("could not record orders and fills", metadata: ["run_id": "\(id)", "error": "\(error)"])
            return "storage: orders and fills could not be recorded"
        }
        return journal.hasFailed ? "storage: an order could not be recorded, so it was not placed" : nil
    }

    static func batch(orders: [OrderRecord], trades: [TradeRecord], fills: [FillRecord], tradeCount: Int?) -> RunActivityBatch {
        RunActivityBatch(
            orders: orders.map { SequencedJSON(seq: $0.id - 1, json: row($0)) },
            trades: trades.map { SequencedJSON(seq: $0.id - 1, json: row($0)) },
            fills: fills.map { SequencedJSON(seq: $0.id - 1, json: row($0)) },
            tradeCount: tradeCount)
    }

    /// One JSON row as stored: sorted keys, like the end-of-run save.
    static func row<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func onEngineQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            engineQueue.async { continuation.resume(returning: body()) }
        }
    }

    /// Where a run's live candles come from: the REST host for polling and gap fills, the host
    /// override for the stream (a local test server; nil = the venue's stream host) and the
    /// environment. Nil fields in a paper run come from `--exchange-base-url`.
    struct VenueFeedHosts: Sendable {
        var rest: String?
        var stream: String?
        var sandbox: Bool
    }

    /// The live feed of a venue (its candle WebSocket, REST polling as the fallback), or nil for
    /// `sim` (generated in real time) and offline servers. Each change of source is logged.
    func venueFeed(
        exchange: String, symbol: TradingSymbol, timeframe: Timeframe, runID: String? = nil, hosts: VenueFeedHosts? = nil
    ) -> LiveCandleFeed? {
        guard exchange != SimExchange.id, let venue = VenueID(id: exchange), let httpClient = resolver.httpClient else { return nil }
        let hosts = hosts ?? VenueFeedHosts(rest: resolver.baseURLs[exchange], stream: resolver.baseURLs[exchange], sandbox: false)
        let downloader = HistoryDownloader(httpClient: httpClient, venue: venue, baseURL: hosts.rest)
        let streamVenue = venue.candleStream
        let stream = LiveCandleFeed.Stream(
            venue: streamVenue, url: streamVenue.url(symbol: symbol, timeframe: timeframe, sandbox: hosts.sandbox, baseURL: hosts.stream))
        let settle = options.venueFeedSettle
        let logger = self.logger
        let metadata: Logger.Metadata = ["run_id": "\(runID ?? "-")", "exchange": "\(exchange)", "symbol": "\(symbol)", "timeframe": "\(timeframe)"]
        let feed = LiveCandleFeed(
            downloader: downloader, stream: stream, symbol: symbol, timeframe: timeframe, settle: settle,
            retryInterval: settle * 2 + .milliseconds(200), logger: logger
        ) { source in
            logger.info("market data source: \(source.rawValue)", metadata: metadata)
        }
        if !feed.hasStream {
            logger.info("market data: no \(exchange) candle stream for \(timeframe); polling REST", metadata: metadata)
        }
        return feed
    }

    func paperStep(id: String, tick: PaperTick) {
        let step = tick.step
        let changed = inner.withLock { state -> Bool in
            guard var run = state.run, run.id == id else { return false }
            run.barsProcessed = tick.barsProcessed
            run.cash = step.cash
            run.value = step.value
            run.positions = tick.positions
            run.tradeCount = tick.closedTrades
            run.lastBarInstant = .now
            for order in step.orders { Self.upsert(&run.orders, order, id: order.id) }
            for trade in step.trades { Self.upsert(&run.trades, trade, id: trade.id) }
            run.fills.append(contentsOf: step.fills)
            if let time = ISO8601Timestamp.milliseconds(from: step.equity.timestamp) {
                run.equity.append(timestamp: time, value: step.value, cash: step.cash)
            }
            state.run = run
            state.version += 1
            return true
        }
        guard changed else { return }
        for order in step.orders { hub.publish(type: "order_update", payload: order) }
        for fill in step.fills { hub.publish(type: "fill", payload: fill) }
        for trade in step.trades { hub.publish(type: "trade", payload: trade) }
        hub.publish(type: "equity_point", payload: step.equity)
        publishStatus(force: false)
    }

    static func upsert<Record>(_ list: inout [Record], _ record: Record, id: Int) {
        // Ids are 1, 2, 3… in creation order: record `id` lives at index id − 1.
        if id >= 1, id <= list.count { list[id - 1] = record } else { list.append(record) }
    }

    // MARK: Transitions from the run task

    /// `starting → running`. False when the run was stopped (or replaced) meanwhile.
    func began(id: String, totalBars: Int?) -> Bool {
        let ok = inner.withLock { state -> Bool in
            guard state.run?.id == id, let next = try? state.machine.transition(.began) else { return false }
            state.machine = next
            state.run?.totalBars = totalBars
            state.version += 1
            return true
        }
        if ok { publishStatus(force: true) }
        return ok
    }

    /// Engine progress (every 8,192 bars); publishes a status at most every 250 ms.
    /// Engine progress: bars, and cash, value and closed trades so far, so status updates during a
    /// backtest show the money as it moves rather than only at the end.
    func progress(id: String, state progress: BacktestProgress) {
        inner.withLock { state in
            guard state.run?.id == id else { return }
            state.run?.barsProcessed = progress.barsProcessed
            state.run?.cash = progress.cash
            state.run?.value = progress.value
            state.run?.tradeCount = progress.closedTrades
            state.version += 1
        }
        publishStatus(force: false)
    }

    /// Saves the results, then moves to `completed` / `stopped`.
    /// Saves the results, then moves to `completed` / `stopped`; with a `failure` (a paper run
    /// whose journal failed) the results are still saved and the run ends `failed` with it.
    func complete(id: String, finished: FinishedRun, stopped: Bool, failure: String? = nil) async {
        let endedAt = options.now()
        var summary = finished.summary
        let status: RunStatus = stopped ? .stopped : .completed
        summary.status = status.rawValue
        let startedAt = inner.withLock { $0.run?.id == id ? $0.run?.startedAt : nil } ?? endedAt
        summary.start_time = isoTime(startedAt)
        summary.end_time = isoTime(endedAt)
        let summaryJSON = (try? JSONCoding.encode(summary)).map { String(buffer: $0) } ?? "{}"
        let metricsJSON = (try? JSONCoding.encode(summary.performance_metrics)).map { String(buffer: $0) } ?? "null"
        var saveError: String?
        // A run stopped before its first bar has nothing to save beyond its record.
        if !finished.samples.isEmpty { do {
            try await database.runs.saveResults(
                id: id, metricsJSON: metricsJSON, finalValue: summary.final_value, tradeCount: finished.closedTradeCount,
                ordersJSON: finished.ordersJSON, tradesJSON: finished.tradesJSON, equity: finished.samples, resultsJSON: summaryJSON,
                terminal: (status: failure != nil ? RunStatus.failed.rawValue : status.rawValue, endedAt: endedAt, error: failure))
        } catch {
            logger.error("could not save results", metadata: ["run_id": "\(id)", "error": "\(error)"])
            saveError = "storage: the results could not be saved"
        } }
        if let failure { saveError = failure }
        let applied = inner.withLock { state -> RunStatus? in
            guard var run = state.run, run.id == id else { return nil }
            let event: RunEvent = saveError != nil ? .fail : (stopped ? .halted : .complete)
            var next = try? state.machine.transition(event)
            // A run that finished every bar while a stop was pending is honestly `completed`.
            if next == nil, event == .halted { next = try? state.machine.transition(.complete) }
            if next == nil, event == .complete { next = try? state.machine.transition(.halted) }
            guard let next else { return nil }
            state.machine = next
            run.endedAt = endedAt
            run.endInstant = .now
            run.barsProcessed = finished.barsProcessed
            run.orders = finished.orders
            run.trades = finished.trades
            run.fills = finished.fills
            run.positions = summary.positions
            run.equity = finished.equity
            run.metrics = summary.performance_metrics
            run.finalValue = summary.final_value
            run.cash = finished.finalCash
            run.value = summary.final_value ?? run.value
            run.tradeCount = finished.closedTradeCount
            run.dataStart = summary.data_start
            run.dataEnd = summary.data_end
            run.error = saveError
            if next.status == .failed { state.runsFailed += 1 }
            state.run = run
            state.version += 1
            return next.status
        }
        guard let applied else { return }
        // Count the outcome before any await: clients see the terminal status as soon as the lock
        // is released, and /metrics must agree with it.
        metrics.runFinished(outcome: applied.rawValue)
        await persistTerminalStatus(id: id, status: applied.rawValue, endedAt: endedAt, error: saveError)
        if let saveError { hub.publish(type: "error", payload: ErrorPayload(code: "STORAGE_UNAVAILABLE", message: saveError, run_id: id)) }
        publishStatus(force: true)
    }

    /// Ends a run that produced no results (failed, or stopped before the engine started).
    func finishWithoutResults(id: String, event: RunEvent, error: String?, code: String = "RUN_FAILED") async {
        finish(id: id, event: event, error: error)
        let status = inner.withLock { $0.run?.id == id ? $0.machine.status : nil }
        guard let status else { return }
        metrics.runFinished(outcome: status.rawValue)
        await persistTerminalStatus(id: id, status: status.rawValue, endedAt: options.now(), error: error)
        if let error, event == .fail { hub.publish(type: "error", payload: ErrorPayload(code: code, message: error, run_id: id)) }
    }

    /// Applies a terminal event in memory and publishes it.
    func finish(id: String, event: RunEvent, error: String?) {
        let changed = inner.withLock { state -> Bool in
            guard state.run?.id == id else { return false }
            var next = try? state.machine.transition(event)
            if next == nil, event == .halted { next = try? state.machine.transition(.fail) }
            guard let next else { return false }
            state.machine = next
            state.run?.endedAt = options.now()
            state.run?.endInstant = .now
            state.run?.error = error
            if next.status == .failed { state.runsFailed += 1 }
            state.version += 1
            return true
        }
        if changed { publishStatus(force: true) }
    }

    struct ErrorPayload: Encodable, Sendable {
        let code: String
        let message: String
        let run_id: String
    }

    // MARK: Stop and reset

    func stop() async -> RunResponse {
        let outcome = inner.withLock { state -> (RunResponse, String?) in
            let status = state.machine.status
            let id = state.run?.id
            switch status {
            case .starting, .running:
                if let next = try? state.machine.transition(.stop) {
                    state.machine = next
                    state.version += 1
                    state.run?.stop.set()
                }
                return (RunResponse(run_id: id, status: RunStatus.stopping.rawValue, message: "stop requested"), id)
            case .stopping:
                return (RunResponse(run_id: id, status: status.rawValue, message: "stop already requested"), nil)
            default:
                return (RunResponse(run_id: id, status: status.rawValue, message: "no run is active"), nil)
            }
        }
        if let id = outcome.1 {
            publishStatus(force: true)
            await persistTransition(id: id, .stop)
            // A venue run answers once its open orders are cancelled (or could not be), so the
            // answer can say which.
            if inner.withLock({ $0.run?.id == id && $0.run?.mode.tradesOnVenue == true }) {
                return await venueStopAnswer(id: id, requested: outcome.0)
            }
        }
        // The run may already have finished; report what is true now.
        return outcome.0
    }

    /// Waits (at most `stopCancelWait`) for a venue run to report its cancellations.
    private func venueStopAnswer(id: String, requested: RunResponse) async -> RunResponse {
        let deadline = ContinuousClock.now + Self.stopCancelWait
        while ContinuousClock.now < deadline {
            let report = inner.withLock { state -> (StopCancellation?, RunStatus) in
                (state.run?.id == id ? state.run?.stopCancellation : nil, state.machine.status)
            }
            if let cancellation = report.0, !report.1.isActive {
                var answer = RunResponse(
                    run_id: id, status: report.1.rawValue,
                    message: cancellation.failures.isEmpty
                        ? "stopped; \(cancellation.cancelled.count) open order(s) cancelled on the venue"
                        : "stopped; \(cancellation.cancelled.count) open order(s) cancelled, \(cancellation.failures.count) could not be cancelled")
                answer.cancelled_orders = cancellation.cancelled
                answer.cancel_failures = cancellation.failures.isEmpty ? nil : cancellation.failures
                return answer
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return RunResponse(run_id: id, status: RunStatus.stopping.rawValue, message: "stop requested; the venue has not confirmed the cancels yet")
    }

    /// How long `POST /run/stop` waits for a venue run's cancels.
    static let stopCancelWait: Duration = .seconds(15)

    func reset() throws(APIError) -> RunResponse {
        try inner.withLock { (state: inout Inner) throws(APIError) in
            if state.machine.status.isActive {
                throw APIError(
                    status: .conflict, code: "RUN_ACTIVE", message: "a run is \(state.machine.status.rawValue); stop it before resetting",
                    details: ["active_run_id": state.run.map { .string($0.id) } ?? .null, "status": .string(state.machine.status.rawValue)])
            }
            state.machine = (try? state.machine.transition(.reset)) ?? RunnerStateMachine()
            state.run = nil
            state.version += 1
        }
        publishStatus(force: true)
        return RunResponse(run_id: nil, status: RunStatus.idle.rawValue, message: "runner reset")
    }

    /// The id of the active run, if any (delete refuses it).
    var activeRunID: String? {
        inner.withLock { $0.machine.status.isActive ? $0.run?.id : nil }
    }

    // MARK: Documents

    func statusDocument() -> StatusDocument {
        inner.withLock { Self.statusDocument($0) }
    }

    private static func statusDocument(_ state: Inner) -> StatusDocument {
        var document = statusDocument(machine: state.machine, run: state.run)
        if !state.interrupted.isEmpty { document.interrupted_runs = state.interrupted.values.sorted { $0.run_id < $1.run_id } }
        return document
    }

    private static func statusDocument(machine: RunnerStateMachine, run: LiveRun?) -> StatusDocument {
        guard let run else {
            return StatusDocument(
                run_id: nil, status: machine.status.rawValue, mode: nil, strategy_name: nil, symbols: nil, timeframe: nil,
                exchange: nil, start_time: nil, end_time: nil, runtime_seconds: 0, cash: nil, value: nil, pnl: nil,
                trade_count: 0, error: nil, progress: nil, bars_processed: 0, total_bars: nil)
        }
        let end = run.endInstant ?? .now
        let elapsed = end - run.startInstant
        let runtime = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var progress: Double?
        if let total = run.totalBars, total > 0 {
            progress = min(1, max(0, Double(run.barsProcessed) / Double(total)))
        }
        if machine.status == .completed { progress = 1 }
        let configuration = run.plan.configuration
        return StatusDocument(
            run_id: run.id, status: machine.status.rawValue, mode: run.mode.rawValue, strategy_name: configuration.strategyName,
            symbols: configuration.symbols.map(\.description), timeframe: configuration.timeframe.rawValue,
            exchange: run.plan.exchange, start_time: isoTime(run.startedAt), end_time: isoTime(run.endedAt),
            runtime_seconds: (runtime * 1000).rounded() / 1000, cash: finiteOrNil(run.cash), value: finiteOrNil(run.value),
            pnl: finiteOrNil(run.value - configuration.initialCash), trade_count: run.tradeCount, error: run.error, progress: progress,
            bars_processed: run.barsProcessed, total_bars: run.totalBars)
    }

    private static func finiteOrNil(_ value: Double) -> Double? {
        value.isFinite ? value : nil
    }

    /// `/status` bytes, cached and re-encoded only when something changed (or, while a run is
    /// active, when the cached copy is older than 50 ms).
    func statusBody() throws -> ByteBuffer {
        let now = ContinuousClock.now
        let (cached, document, version) = inner.withLock { state -> (ByteBuffer?, StatusDocument?, Int) in
            if let cache = state.cachedStatus, cache.version == state.version,
               !state.machine.status.isActive || now - cache.at < Self.statusCacheLifetime {
                return (cache.body, nil, state.version)
            }
            return (nil, Self.statusDocument(state), state.version)
        }
        if let cached { return cached }
        let body = try JSONCoding.encode(document)
        inner.withLock { state in
            if state.version == version { state.cachedStatus = CachedStatus(version: version, at: now, body: body) }
        }
        return body
    }

    func detailed(health: HealthRoutes.Health) -> DetailedStatusDocument {
        inner.withLock { state in
            let status = Self.statusDocument(state)
            let run = state.run
            var document = DetailedStatusDocument(
                status: status, recent_orders: Array((run?.orders ?? []).suffix(Self.recentLimit)),
                recent_trades: Array((run?.trades ?? []).suffix(Self.recentLimit)), positions: run?.positions ?? [],
                equity_curve: run?.equity.points(maxPoints: 500) ?? [], performance_metrics: run?.metrics, health: health)
            if let run, run.mode.tradesOnVenue {
                document.balances = run.balances ?? []
                document.open_orders = run.orders.filter { !$0.status.isTerminal }
            }
            return document
        }
    }

    /// The current (or last) run's results, or nil when there is none.
    func results(maxPoints: Int) -> ResultsDocument? {
        let snapshot = inner.withLock { state -> (LiveRun, RunStatus)? in state.run.map { ($0, state.machine.status) } }
        guard let (run, status) = snapshot else { return nil }
        let summary = StoredRunSummary(
            run_id: run.id, mode: run.mode.rawValue, config: run.plan.config, status: status.rawValue,
            start_time: isoTime(run.startedAt), end_time: isoTime(run.endedAt), data_start: run.dataStart ?? isoTime(run.equity.timestamps.first),
            data_end: run.dataEnd ?? isoTime(run.equity.timestamps.last), positions: run.positions, performance_metrics: run.metrics,
            final_value: run.finalValue, error: run.error, bars_processed: run.barsProcessed,
            initial_cash: run.plan.configuration.initialCash)
        return ResultsDocument(
            summary: summary, orders: run.orders, trades: run.trades, fills: run.fills, equity: run.equity, maxPoints: maxPoints)
    }

    /// For the `market_data` health check: nil without a live feed, else seconds since the last bar
    /// and how long a bar period lasts in real time.
    func feedFreshness() -> (sinceLastBar: Double, period: Double)? {
        inner.withLock { state in
            guard state.machine.status == .running, let run = state.run, run.mode == .paper else { return nil }
            let since = ContinuousClock.now - (run.lastBarInstant ?? run.startInstant)
            let seconds = Double(since.components.seconds) + Double(since.components.attoseconds) / 1e18
            return (seconds, Double(run.plan.configuration.timeframe.milliseconds) / 1000 / run.plan.speed)
        }
    }

    // MARK: Publishing

    /// Sends a `status_update`: always when `force` (transitions), else at most every 250 ms.
    func publishStatus(force: Bool) {
        let document = inner.withLock { state -> StatusDocument? in
            let now = ContinuousClock.now
            if !force, let last = state.lastProgressPublish, now - last < Self.progressInterval { return nil }
            state.lastProgressPublish = now
            return Self.statusDocument(state)
        }
        if let document { hub.publish(type: "status_update", payload: document, status: document.status) }
    }

    // MARK: Ids

    /// 12 lower-case hex digits from the system's random source.
    static func makeRunID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}

/// Everything derived from a finished engine run, computed on the engine queue.
struct FinishedRun: Sendable {
    var summary: StoredRunSummary
    var orders: [OrderRecord]
    var trades: [TradeRecord]
    /// Paper runs only (set by the runner); backtests do not record fills.
    var fills: [FillRecord] = []
    var fillsJSON: [String] = []
    var ordersJSON: [String]
    var tradesJSON: [String]
    var equity: EquitySeries
    var samples: [EquitySample]
    var barsProcessed: Int
    var wasStopped: Bool
    var finalCash: Double
    var closedTradeCount: Int

    init(id: String, plan: RunPlan, result: BacktestResult) {
        self.init(id: id, plan: plan, report: result.report, output: result.output)
    }

    init(id: String, plan: RunPlan, report: BacktestReport, output: EngineOutput) {
        let initialCash = plan.configuration.initialCash
        let curve = output.equity
        equity = EquitySeries(timestamps: curve.timestamps, values: curve.values, cash: curve.cash, initialCash: initialCash)
        var samples: [EquitySample] = []
        samples.reserveCapacity(equity.count)
        for index in 0..<equity.count {
            samples.append(EquitySample(
                timestamp: equity.timestamps[index], value: equity.values[index], cash: equity.cash[index],
                pnl: equity.values[index] - initialCash))
        }
        self.samples = samples
        orders = report.orders
        trades = report.trades
        // One row per order and trade: `JSONEncoder`'s bytes, written directly (a 1M-bar run has
        // tens of thousands; encoding each with `JSONEncoder` took seconds).
        ordersJSON = report.orders.map(\.compactJSON)
        tradesJSON = report.trades.map(\.compactJSON)
        barsProcessed = output.barsProcessed
        wasStopped = output.wasStopped
        finalCash = output.account.cash
        closedTradeCount = report.performanceMetrics.totalTrades
        summary = StoredRunSummary(
            run_id: id, mode: plan.mode.rawValue, config: plan.config, status: report.status.rawValue, start_time: nil,
            end_time: nil, data_start: equity.timestamps.first.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
            data_end: equity.timestamps.last.map { ISO8601Timestamp.string(fromMilliseconds: $0) }, positions: report.positions,
            performance_metrics: report.performanceMetrics, final_value: report.finalValue, error: nil,
            bars_processed: output.barsProcessed, initial_cash: initialCash)
    }
}
