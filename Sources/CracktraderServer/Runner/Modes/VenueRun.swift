#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import DataAccess
import Execution
import ExchangeHistory
import Logging
import MarketData
import Storage
import Synchronization
import TradingCore

/// A sandbox or live run: the strategy runs on the venue's closed candles exactly as in a paper
/// run, but its orders go to the venue (through ``VenueAdapter``) and its fills come back from it.
///
/// Money rules (docs/live-trading.md):
/// - every order is committed to SQLite (`synchronous=FULL`) **before** it is sent; every state
///   change and fill is committed before memory, `/status` or the WebSocket hear of it;
/// - an order whose outcome is unknown (timeout, 5xx, dropped connection) is queried by its client
///   order id before anything else, and never resent;
/// - working orders are queried by client order id every `venuePollInterval` (the fallback to the
///   venue's private stream, which is used when the adapter has one);
/// - `max_daily_loss` (value lost since 00:00 UTC) stops the run; stopping cancels the run's open
///   orders when `cancel_open_orders_on_stop` (default) and says which.
final class VenueRun: RunExecution {
    let controller: RunController
    let id: String
    let plan: RunPlan
    let stop: StopSignal
    let adapter: any VenueAdapter
    let settings: VenueRunSettings
    let marketDataBaseURL: String?
    private let state = Mutex(State())

    struct State {
        /// Orders sent (or being sent) to the venue, by local order id.
        var sent: [Int: SentOrder] = [:]
        /// Last close per symbol index: prices market orders for the venue's notional filters.
        var lastClose: [Int: Double] = [:]
        /// Value at the first update of the current UTC day, and that day (ms at 00:00).
        var dayStartValue: Double?
        var day: Int64?
        var dailyLossHit: String?
    }

    struct SentOrder: Sendable {
        let symbol: TradingSymbol
        let clientOrderId: String
        /// The outcome of the place call is not known yet: query before anything else.
        var unresolved: Bool
    }

    enum Event: Sendable {
        case bar(Bar, TradingSymbol)
        case venue(VenueOrder)
        case poll
        /// The user cancels one order (dashboard / `POST /api/v1/run/orders/{id}/cancel`).
        case cancel(Int)
    }

    /// Where `requestCancel` puts its event (set while the run's loop runs).
    private let inbox = Mutex<AsyncStream<Event>.Continuation?>(nil)

    /// Asks the run to cancel its order with `clientOrderId` on the venue. False when the run
    /// has no such order or is not running.
    func requestCancel(clientOrderId: String) -> Bool {
        let prefix = RunController.clientOrderIdPrefix(runID: id)
        guard clientOrderId.hasPrefix(prefix), let localID = Int(clientOrderId.dropFirst(prefix.count)),
              let continuation = inbox.withLock({ $0 }) else { return false }
        continuation.yield(.cancel(localID))
        return true
    }

    init(controller: RunController, id: String, plan: RunPlan, stop: StopSignal, adapter: any VenueAdapter, settings: VenueRunSettings) {
        self.controller = controller
        self.id = id
        self.plan = plan
        self.stop = stop
        self.adapter = adapter
        self.settings = settings
        self.marketDataBaseURL = settings.configuration.baseURL ?? (settings.configuration.sandbox ? Self.sandboxMarketData[plan.exchange] : nil)
    }

    /// Public candles of each testnet (its prices differ from production's). Venues whose sandbox
    /// has no candle endpoint (OKX demo, Coinbase sandbox) use the production candles.
    static let sandboxMarketData: [String: String] = [
        "binance": "https://testnet.binance.vision",
        "bybit": "https://api-testnet.bybit.com",
    ]

    private var symbols: [TradingSymbol] { plan.configuration.symbols.sorted() }

    func execute() async {
        let configuration = plan.configuration
        let symbols = symbols
        let prefix = RunController.clientOrderIdPrefix(runID: id)
        // Real money: each order is on disk (fsync) before it can be sent.
        let journal = RunOrderJournal(store: controller.database.runs, runID: id, durable: true) { order in
            RunController.row(OrderRecord(order, symbols: symbols))
        }
        // A Pine script trades through a target-position strategy (see ScriptVenueBridge).
        var bridge: ScriptVenueBridge?
        if let script = plan.script {
            switch await ScriptVenueBridge.prepare(
                controller: controller, runID: id, plan: plan, script: script, stop: stop, marketDataBaseURL: marketDataBaseURL) {
            case .success(let prepared): bridge = prepared
            case .failure(let error):
                await adapter.shutdown()
                if stop.isSet { return await controller.finishWithoutResults(id: id, event: .halted, error: nil) }
                return await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
            }
        }
        let minimumQuantity = bridge.map { _ in Self.minimumQuantity(adapter.rules(for: symbols[0])) } ?? 0
        let startTime = controller.options.now()
        let box: PaperBox
        do {
            box = try await controller.onEngineQueue { [bridge] () throws(TradingError) -> PaperBox in
                if let bridge {
                    return PaperBox(try PaperSession(
                        strategy: bridge.strategy(minimumQuantity: minimumQuantity), configuration: configuration, startTime: startTime,
                        journal: journal, clientOrderIdPrefix: prefix, riskLimits: self.plan.risk.orderRiskLimits, externalExecution: true))
                }
                return PaperBox(try PaperSession(
                    configuration: configuration, startTime: startTime, journal: journal, clientOrderIdPrefix: prefix,
                    riskLimits: self.plan.risk.orderRiskLimits, externalExecution: true))
            }
        } catch {
            await adapter.shutdown()
            return await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
        }
        guard controller.began(id: id, totalBars: plan.maxBars) else {
            await adapter.shutdown()
            return await controller.finishWithoutResults(id: id, event: .halted, error: nil)
        }
        await controller.persistTransition(id: id, .began)
        controller.publishVenueSnapshot(id: id, adapter: adapter)

        var storageFailure: String?
        let opening = await controller.onEngineQueue { box.session.initialOrders }
        if !opening.isEmpty || journal.hasFailed {
            storageFailure = await controller.commit(
                id: id, batch: RunController.batch(orders: opening, trades: [], fills: [], tradeCount: nil), journal: journal, durable: true)
        }
        if storageFailure == nil { storageFailure = await dispatch(box: box, journal: journal) }

        let (events, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        let producers = startProducers(continuation)
        inbox.withLock { $0 = continuation }
        defer { inbox.withLock { $0 = nil } }
        stop.onStop {
            producers.cancel()
            continuation.finish()
        }
        var reachedLimit = false
        var scriptFailure: String?
        var lastOutputs: ContinuousClock.Instant?
        if storageFailure == nil {
            for await event in events {
                if stop.isSet { break }
                let tick: PaperTick?
                switch event {
                case .bar(let bar, let symbol):
                    if let index = symbols.firstIndex(of: symbol) { state.withLock { $0.lastClose[index] = bar.close } }
                    tick = await controller.onEngineQueue { () -> PaperTick? in
                        guard let step = box.session.process(bar: bar, symbol: symbol) else { return nil }
                        return Self.tick(step, box.session)
                    }
                case .venue(let order):
                    tick = await apply(order, box: box)
                case .poll:
                    storageFailure = await pollWorkingOrders(box: box, journal: journal)
                    tick = nil
                case .cancel(let localID):
                    _ = await controller.onEngineQueue { box.session.cancel(orderId: localID) }
                    tick = nil
                }
                if let tick {
                    storageFailure = await record(tick, journal: journal)
                    if storageFailure != nil { break }
                    controller.paperStep(id: id, tick: tick)
                }
                if let bridge, case .bar = event {
                    if let failure = await controller.onEngineQueue({ bridge.failure }) {
                        scriptFailure = failure.message
                        break
                    }
                    if lastOutputs.map({ ContinuousClock.now - $0 >= ScriptPaperRun.outputsInterval }) ?? true {
                        lastOutputs = .now
                        storageFailure = await bridge.save(controller: controller, runID: id)
                        if storageFailure != nil { break }
                    }
                }
                if storageFailure == nil { storageFailure = await dispatch(box: box, journal: journal) }
                if storageFailure != nil { break }
                if let loss = checkDailyLoss(value: await controller.onEngineQueue({ box.session.account.value })) {
                    controller.hub.publish(type: "error", payload: RunController.ErrorPayload(code: "MAX_DAILY_LOSS", message: loss, run_id: id))
                    controller.logger.warning("max_daily_loss reached; stopping", metadata: ["run_id": "\(id)"])
                    break
                }
                if case .bar = event, let maxBars = plan.maxBars, await controller.onEngineQueue({ box.session.barsProcessed }) >= maxBars {
                    reachedLimit = true
                    break
                }
            }
        }
        producers.cancel()

        // Stopping: cancel what is still working on the venue (unless asked not to), then let the
        // strategy's `stop` run. Orders it submits now are never sent.
        let dailyLoss = state.withLock { $0.dailyLossHit }
        var cancelled: [String] = []
        var cancelFailures: [String: String] = [:]
        if settings.cancelOpenOrdersOnStop || dailyLoss != nil {
            (cancelled, cancelFailures) = await cancelWorkingOrders(box: box, journal: journal)
        }
        controller.reportStopCancellations(id: id, cancelled: cancelled, failures: cancelFailures)
        let stopped = !reachedLimit
        let output = await controller.onEngineQueue { () -> EngineOutput in
            let output = box.session.finish(stopped: stopped)
            let unsent = box.session.takeVenueRequests().submissions
            for order in unsent {
                _ = box.session.applyVenueUpdate(
                    orderId: order.id, status: .rejected, filledQuantity: 0, averagePrice: nil, cumulativeFee: nil,
                    reason: "not sent: the run was stopping", time: order.createdAt)
            }
            return output
        }
        await adapter.shutdown()
        if let bridge, let problem = await bridge.save(controller: controller, runID: id), storageFailure == nil { storageFailure = problem }
        let report = BacktestReport(runId: id, configuration: configuration, output: output, equityCurveLimit: 1)
        var finished = FinishedRun(id: id, plan: plan, report: report, output: output)
        finished.fills = output.broker.fills.enumerated().map { index, fill in
            FillRecord(fill, id: index + 1, clientOrderId: output.broker.order(id: fill.orderId)?.clientOrderId, symbols: symbols)
        }
        finished.fillsJSON = finished.fills.map(RunController.row)
        await controller.complete(id: id, finished: finished, stopped: stopped, failure: storageFailure ?? scriptFailure ?? dailyLoss)
    }

    /// The smallest order a target-position strategy sends: the venue's step and minimum
    /// quantity, whichever is larger (0 when the venue states neither).
    static func minimumQuantity(_ rules: SymbolRules?) -> Double {
        max(rules?.stepSize?.doubleValue ?? 0, rules?.minQuantity?.doubleValue ?? 0)
    }

    static func tick(_ step: PaperSession.Step, _ session: PaperSession) -> PaperTick {
        PaperTick(
            step: step, barsProcessed: session.barsProcessed,
            positions: session.account.positions.filter { $0.quantity != 0 }.map { PositionRecord($0, symbols: session.symbols) },
            closedTrades: session.trades.filter { !$0.isOpen }.count)
    }

    /// Commits a tick's changes (durably) before anyone hears of them.
    private func record(_ tick: PaperTick, journal: RunOrderJournal) async -> String? {
        let step = tick.step
        guard !step.orders.isEmpty || !step.trades.isEmpty || !step.fills.isEmpty || journal.hasFailed else { return nil }
        let batch = RunController.batch(orders: step.orders, trades: step.trades, fills: step.fills, tradeCount: tick.closedTrades)
        return await controller.commit(id: id, batch: batch, journal: journal, durable: true)
    }

    // MARK: Producers

    /// Bars of every symbol, the venue's private stream, and the poll timer, into one stream.
    private func startProducers(_ continuation: AsyncStream<Event>.Continuation) -> Task<Void, Never> {
        let configuration = plan.configuration
        let interval = controller.options.venuePollInterval
        let (streamBaseURL, sandbox) = (settings.configuration.baseURL, settings.configuration.sandbox)
        let updates = adapter.orderUpdates()
        return Task { [controller, id, plan, marketDataBaseURL] in
            await withTaskGroup(of: Void.self) { group in
                for symbol in configuration.symbols {
                    group.addTask {
                        let hosts = RunController.VenueFeedHosts(rest: marketDataBaseURL, stream: streamBaseURL, sandbox: sandbox)
                        guard let feed = controller.venueFeed(exchange: plan.exchange, symbol: symbol, timeframe: configuration.timeframe, runID: id, hosts: hosts) else { return }
                        do {
                            for try await bar in feed { continuation.yield(.bar(bar, symbol)) }
                        } catch is CancellationError {
                        } catch {
                            let message = (error as? TradingError)?.message ?? "\(error)"
                            controller.hub.publish(type: "error", payload: RunController.ErrorPayload(code: "MARKET_DATA_ERROR", message: message, run_id: id))
                            controller.logger.warning("live feed ended", metadata: ["run_id": "\(id)", "symbol": "\(symbol)", "error": "\(message)"])
                        }
                    }
                }
                if let updates {
                    group.addTask {
                        for await update in updates {
                            if Task.isCancelled { break }
                            continuation.yield(.venue(update))
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval) } catch { break }
                        continuation.yield(.poll)
                    }
                }
            }
            continuation.finish()
        }
    }

    // MARK: Orders to the venue

    /// Sends what the strategy asked for since the last call: cancels first (they free balance),
    /// then new orders, each already committed by the journal.
    private func dispatch(box: PaperBox, journal: RunOrderJournal) async -> String? {
        let requests = await controller.onEngineQueue { box.session.takeVenueRequests() }
        guard !requests.submissions.isEmpty || !requests.cancels.isEmpty else { return nil }
        let symbols = symbols
        for order in requests.cancels {
            guard let sent = state.withLock({ $0.sent[order.id] }) else { continue }
            let update: VenueOrder?
            do {
                update = try await adapter.cancel(symbol: sent.symbol, clientOrderId: sent.clientOrderId)
            } catch {
                controller.logger.warning("cancel failed", metadata: ["run_id": "\(id)", "client_order_id": "\(sent.clientOrderId)", "error": "\(error.message)"])
                update = try? await adapter.order(symbol: sent.symbol, clientOrderId: sent.clientOrderId)
            }
            if let update, let failure = await applyAndRecord(update, box: box, journal: journal) { return failure }
        }
        for order in requests.submissions {
            let symbol = symbols[order.symbol]
            guard let clientOrderId = order.clientOrderId, let quantity = order.quantity else { continue }
            state.withLock { $0.sent[order.id] = SentOrder(symbol: symbol, clientOrderId: clientOrderId, unresolved: true) }
            let reference = state.withLock { $0.lastClose[order.symbol] }
            let request = VenueOrderRequest(
                clientOrderId: clientOrderId, symbol: symbol, side: order.side, type: order.type, quantity: quantity,
                limitPrice: order.limitPrice, stopPrice: order.stopPrice, timeInForce: order.timeInForce, referencePrice: reference)
            let outcome = await place(request)
            switch outcome {
            case .placed(let update):
                state.withLock { $0.sent[order.id]?.unresolved = false }
                if let failure = await applyAndRecord(update, box: box, journal: journal) { return failure }
            case .refused(let reason):
                state.withLock { $0.sent[order.id]?.unresolved = false }
                let rejection = VenueOrder(
                    clientOrderId: clientOrderId, symbol: symbol, side: order.side, type: order.type, status: .rejected,
                    quantity: quantity, reason: reason, updatedAt: controller.options.now())
                if let failure = await applyAndRecord(rejection, box: box, journal: journal) { return failure }
            case .unknown(let reason):
                // Left `submitted` and unresolved: every poll queries it by client order id.
                controller.hub.publish(type: "error", payload: RunController.ErrorPayload(code: "ORDER_OUTCOME_UNKNOWN", message: "order \(clientOrderId): \(reason); it is queried by client order id until the venue says", run_id: id))
            }
        }
        return nil
    }

    enum Placement: Sendable {
        case placed(VenueOrder)
        /// Not on the venue (refused, or not sent at all): the order is rejected with the reason.
        case refused(String)
        /// The venue may have it: queried again at every poll.
        case unknown(String)
    }

    /// Places once; when the outcome is unknown, queries by client order id (never resends).
    private func place(_ request: VenueOrderRequest) async -> Placement {
        do {
            return .placed(try await adapter.place(request))
        } catch {
            switch error.kind {
            case .rejected, .unknownOrder, .authenticationFailed, .unreachable:
                // Refused by the venue or rejected locally (rules), or never sent (no connection).
                return .refused(error.message)
            case .rateLimited:
                return .refused(error.message)
            case .outcomeUnknown:
                return await resolveUnknown(request, reason: error.message)
            }
        }
    }

    /// Asks the venue for the order a few times (0.25 s, 0.5 s, 1 s, 2 s apart). Found: placed.
    /// The venue answering that it has no such order: refused (it never took it). No answer: unknown.
    private func resolveUnknown(_ request: VenueOrderRequest, reason: String) async -> Placement {
        var delay = Duration.milliseconds(250)
        for _ in 0..<4 {
            try? await Task.sleep(for: delay)
            delay *= 2
            do {
                if let order = try await adapter.order(symbol: request.symbol, clientOrderId: request.clientOrderId) {
                    return .placed(order)
                }
                return .refused("the venue did not take the order (\(reason)); it has no order \(request.clientOrderId), so it was not resent")
            } catch {
                continue
            }
        }
        return .unknown(reason)
    }

    /// Applies a venue report and commits what changed.
    private func applyAndRecord(_ order: VenueOrder, box: PaperBox, journal: RunOrderJournal) async -> String? {
        guard let tick = await apply(order, box: box) else { return nil }
        if let failure = await record(tick, journal: journal) { return failure }
        controller.paperStep(id: id, tick: tick)
        return nil
    }

    /// The local order a venue report is about (by client order id), updated.
    private func apply(_ order: VenueOrder, box: PaperBox) async -> PaperTick? {
        let prefix = RunController.clientOrderIdPrefix(runID: id)
        guard order.clientOrderId.hasPrefix(prefix), let localID = Int(order.clientOrderId.dropFirst(prefix.count)) else { return nil }
        if order.status == .submitted { return nil }
        let fee = Self.quoteFee(order)
        return await controller.onEngineQueue { () -> PaperTick? in
            guard let step = box.session.applyVenueUpdate(
                orderId: localID, status: order.status, quantity: order.quantity, filledQuantity: order.filledQuantity,
                averagePrice: order.averageFillPrice, cumulativeFee: fee, reason: order.reason, time: order.updatedAt)
            else { return nil }
            return Self.tick(step, box.session)
        }
    }

    /// The order's fees in the quote asset, as the books keep them: a fee charged in the base
    /// asset (Binance takes it from what a buy receives) is valued at the average fill price; a
    /// fee in a third asset (BNB) is unknown here (nil: the configured commission is booked).
    static func quoteFee(_ order: VenueOrder) -> Double? {
        guard let fee = order.cumulativeFee else { return nil }
        switch order.feeAsset {
        case nil, order.symbol.quote?: return fee
        case order.symbol.base?: return order.averageFillPrice.map { fee * $0 }
        default: return nil
        }
    }

    /// The REST fallback: every working order (and every order whose placement is unresolved) is
    /// queried by client order id.
    private func pollWorkingOrders(box: PaperBox, journal: RunOrderJournal) async -> String? {
        let working = await controller.onEngineQueue { box.session.workingOrderIDs }
        let targets = state.withLock { state in working.compactMap { id in state.sent[id].map { (id, $0) } } }
        for (localID, sent) in targets {
            do {
                if let order = try await adapter.order(symbol: sent.symbol, clientOrderId: sent.clientOrderId) {
                    state.withLock { $0.sent[localID]?.unresolved = false }
                    if let failure = await applyAndRecord(order, box: box, journal: journal) { return failure }
                } else if sent.unresolved {
                    state.withLock { $0.sent[localID]?.unresolved = false }
                    let rejection = VenueOrder(
                        clientOrderId: sent.clientOrderId, symbol: sent.symbol, side: .buy, type: .market, status: .rejected,
                        quantity: 0, reason: "the venue did not take the order (no answer to the place request; it has no such order), so it was not resent",
                        updatedAt: controller.options.now())
                    if let failure = await applyAndRecord(rejection, box: box, journal: journal) { return failure }
                }
            } catch {
                continue
            }
        }
        controller.publishVenueSnapshot(id: id, adapter: adapter)
        return nil
    }

    /// Cancels every order still working on the venue; answers the client order ids cancelled and
    /// those that could not be (with why).
    private func cancelWorkingOrders(box: PaperBox, journal: RunOrderJournal) async -> ([String], [String: String]) {
        let working = await controller.onEngineQueue { box.session.workingOrderIDs }
        var cancelled: [String] = []
        var failures: [String: String] = [:]
        for localID in working {
            guard let sent = state.withLock({ $0.sent[localID] }) else { continue }
            do {
                let order = try await adapter.cancel(symbol: sent.symbol, clientOrderId: sent.clientOrderId)
                if order.status == .cancelled || order.status == .expired { cancelled.append(sent.clientOrderId) }
                _ = await applyAndRecord(order, box: box, journal: journal)
            } catch {
                // Already gone (filled meanwhile): record its final state.
                if let order = try? await adapter.order(symbol: sent.symbol, clientOrderId: sent.clientOrderId) {
                    _ = await applyAndRecord(order, box: box, journal: journal)
                    if order.status == .cancelled { cancelled.append(sent.clientOrderId) } else if !order.status.isTerminal {
                        failures[sent.clientOrderId] = error.message
                    }
                } else {
                    failures[sent.clientOrderId] = error.message
                }
            }
        }
        return (cancelled, failures)
    }

    /// `max_daily_loss`: the value lost since the first update of the current UTC day.
    private func checkDailyLoss(value: Double) -> String? {
        guard let limit = plan.risk.maxDailyLoss, value.isFinite else { return nil }
        let now = controller.options.now()
        let day = now - ((now % 86_400_000) + 86_400_000) % 86_400_000
        return state.withLock { state -> String? in
            if state.day != day {
                state.day = day
                state.dayStartValue = value
            }
            guard let start = state.dayStartValue, start - value >= limit else { return nil }
            let message = "max_daily_loss reached: the value fell \(start - value) since 00:00 UTC (limit \(limit)); the run stopped and its orders were cancelled"
            state.dailyLossHit = message
            return message
        }
    }
}
