#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DataAccess
import ExchangeHistory
import Logging
import MarketData
import PineScript
import Storage
import TradingCore

/// A paper run of a saved Pine script: the script warmed up on history, then stepped on live bars
/// (`sim` generated in accelerated real time, or a venue's closed candles) against TradingView's
/// strategy model, with its orders, fills and trades committed bar by bar like any paper run's.
///
/// The warm-up (`PineWarmUp`: `max_bars_back`, else the longest lookback the source proves, else
/// 500 bars) runs before the first live bar; the strategy then starts flat (see `PineLiveRun`), so
/// nothing the script did on history becomes an order of the run. See docs/pine.md, "Paper runs".
struct ScriptPaperRun: RunExecution {
    let controller: RunController
    let id: String
    let plan: RunPlan
    let stop: StopSignal
    let script: ScriptRunSpec

    /// The plots and trade list are saved at most this often while the run goes (and at its end).
    static let outputsInterval: Duration = .seconds(1)

    func execute() async {
        let configuration = plan.configuration
        let symbol = configuration.symbols[0]
        let timeframe = configuration.timeframe
        if let problem = await ScriptLiveSetup.record(script, runID: id, controller: controller) {
            return await controller.finishWithoutResults(id: id, event: .fail, error: problem)
        }
        let warmUp: PineWarmUp
        switch ScriptLiveSetup.warmUp(script) {
        case .success(let value): warmUp = value
        case .failure(let error): return await controller.finishWithoutResults(id: id, event: .fail, error: error.message)
        }

        // Where the live bars start, and the history just before it.
        let venueFeed = controller.venueFeed(exchange: plan.exchange, symbol: symbol, timeframe: timeframe)
        let simFeed = venueFeed == nil ? SimExchange.liveBars(symbol: symbol, timeframe: timeframe, speed: plan.speed) : nil
        let firstLive = simFeed?.firstOpenTime ?? PeriodCalendar.periodStart(containing: WallClock.nowMilliseconds(), timeframe: timeframe)
        let history: [Bar]
        do {
            history = try await Self.history(
                controller: controller, exchange: plan.exchange, symbol: symbol, timeframe: timeframe, before: firstLive, count: warmUp.bars)
        } catch {
            if stop.isSet { return await controller.finishWithoutResults(id: id, event: .halted, error: nil) }
            return await controller.finishWithoutResults(
                id: id, event: .fail, error: "warm-up history for script '\(script.name)': \(error.message)", code: error.code.rawValue)
        }
        if stop.isSet { return await controller.finishWithoutResults(id: id, event: .halted, error: nil) }
        let environment = ScriptLiveSetup.environment(symbol: symbol, timeframe: timeframe, history: history)
        let (name, runID, spec) = (script.name, id, script)
        // Compiled and warmed up on the engine queue (a program is not Sendable).
        let warmed: Result<ScriptPaperState, TradingError> = await controller.onEngineQueue {
            let program: PineProgram
            switch ScriptLiveSetup.compile(spec, environment: environment) {
            case .success(let value): program = value
            case .failure(let error): return .failure(error)
            }
            do throws(PineRuntimeError) {
                let live = try PineLiveRun(program: program, history: history)
                return .success(ScriptPaperState(live: live, name: name, symbol: symbol, runID: runID))
            } catch {
                return .failure(ScriptLiveSetup.runtimeError(name, error, bars: history, offset: 0))
            }
        }
        let state: ScriptPaperState
        switch warmed {
        case .success(let value): state = value
        case .failure(let error): return await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
        }
        controller.logger.info("script paper run warmed up", metadata: [
            "run_id": "\(id)", "script": "\(script.name)", "warm_up_bars": "\(history.count)", "basis": "\(warmUp.basis.rawValue)",
            "first_live_bar": "\(ISO8601Timestamp.string(fromMilliseconds: firstLive))",
        ])
        guard controller.began(id: id, totalBars: plan.maxBars) else {
            return await controller.finishWithoutResults(id: id, event: .halted, error: nil)
        }
        await controller.persistTransition(id: id, .began)

        // The script's broker places no `Order`s, so the journal only carries the batches.
        let journal = RunOrderJournal(store: controller.database.runs, runID: id, durable: false) { _ in "{}" }
        let (stream, continuation) = AsyncStream<Bar>.makeStream(bufferingPolicy: .unbounded)
        let (controller, id, plan) = (self.controller, self.id, self.plan)
        let feeds = Task {
            do {
                if let venueFeed {
                    for try await bar in venueFeed { continuation.yield(bar) }
                } else if let simFeed {
                    for try await bar in simFeed { continuation.yield(bar) }
                }
            } catch is CancellationError {
            } catch {
                let message = (error as? TradingError)?.message ?? "\(error)"
                controller.hub.publish(type: "error", payload: RunController.ErrorPayload(code: "MARKET_DATA_ERROR", message: message, run_id: id))
                controller.logger.warning("live feed ended", metadata: ["run_id": "\(id)", "symbol": "\(symbol)", "error": "\(message)"])
            }
            continuation.finish()
        }
        stop.onStop {
            feeds.cancel()
            continuation.finish()
        }

        var failure: String?
        var reachedLimit = false
        var lastOutputs: ContinuousClock.Instant?
        var latest = history.last?.openTime ?? Int64.min
        for await bar in stream {
            if stop.isSet { break }
            // A venue's first poll may repeat the last history bar.
            guard bar.openTime >= firstLive, bar.openTime > latest else { continue }
            latest = bar.openTime
            let stepped: Result<PaperTick, TradingError> = await controller.onEngineQueue { state.step(bar) }
            guard case .success(let tick) = stepped else {
                if case .failure(let error) = stepped { failure = error.message }
                break
            }
            let step = tick.step
            // Committed before memory, /status or the WebSocket hear of it.
            if !step.orders.isEmpty || !step.trades.isEmpty || !step.fills.isEmpty {
                let batch = RunController.batch(orders: step.orders, trades: step.trades, fills: step.fills, tradeCount: tick.closedTrades)
                failure = await controller.commit(id: id, batch: batch, journal: journal)
                if failure != nil { break }
            }
            controller.paperStep(id: id, tick: tick)
            if let maxBars = plan.maxBars, tick.barsProcessed >= maxBars {
                reachedLimit = true
                break
            }
            if lastOutputs.map({ ContinuousClock.now - $0 >= Self.outputsInterval }) ?? true {
                lastOutputs = .now
                if let problem = await Self.saveOutputs(state: state, controller: controller, runID: id) {
                    failure = problem
                    break
                }
            }
        }
        feeds.cancel()
        let stopped = !reachedLimit
        if let problem = await Self.saveOutputs(state: state, controller: controller, runID: id), failure == nil { failure = problem }
        let finished = await controller.onEngineQueue { state.finish(plan: plan, stopped: stopped) }
        await controller.complete(id: id, finished: finished, stopped: stopped, failure: failure)
    }

    /// The `count` bars before `firstLive` (fewer when the market has less history).
    static func history(
        controller: RunController, exchange: String, symbol: TradingSymbol, timeframe: Timeframe, before firstLive: Int64, count: Int
    ) async throws(TradingError) -> [Bar] {
        guard count > 0 else { return [] }
        let from = max(0, firstLive - ScriptLiveSetup.historySpan(bars: count, timeframe: timeframe))
        let bars: [Bar]
        if exchange == SimExchange.id {
            bars = try await controller.onEngineQueue { () throws(TradingError) -> [Bar] in
                try SimExchange.bars(symbol: symbol, timeframe: timeframe, from: from, to: firstLive)
            }
        } else {
            bars = try await controller.resolver.bars(exchange: exchange, symbol: symbol, timeframe: timeframe, from: from, to: firstLive)
        }
        return Array(bars.filter { $0.openTime < firstLive }.suffix(count))
    }

    /// Saves the plots and trade list so far (`/results` shows them while the run goes).
    static func saveOutputs(state: ScriptPaperState, controller: RunController, runID: String) async -> String? {
        let outputs = await controller.onEngineQueue { state.outputs() }
        return await ScriptLiveSetup.save(outputs, controller: controller, runID: runID)
    }
}

/// The script's live state and what has been reported of it. Only touched on the (serial)
/// engine queue, one closure at a time, while the run task awaits it.
final class ScriptPaperState: @unchecked Sendable {
    let live: PineLiveRun
    let name: String
    let symbol: TradingSymbol
    let runID: String
    let capital: Double
    let isStrategy: Bool
    private(set) var bars: [Bar] = []
    private var values: [Double] = []
    private var cash: [Double] = []
    private var stepsInMarket = 0
    /// One order (and one fill) per fill event of the strategy: an entry, or the exit of a trade.
    private(set) var orders: [OrderRecord] = []
    private(set) var fills: [FillRecord] = []
    /// The trades as last reported (TradingView's closed trades, then the open ones).
    private var trades: [TradeRecord] = []
    private var closedSeen = 0
    private var previousOpen: [TradingViewTrade] = []

    init(live: PineLiveRun, name: String, symbol: TradingSymbol, runID: String) {
        self.live = live
        self.name = name
        self.symbol = symbol
        self.runID = runID
        isStrategy = live.program.declaration.kind == .strategy
        capital = live.program.declaration.properties.initialCapital
    }

    /// Runs one live bar; returns what it changed, or the script's runtime error.
    func step(_ bar: Bar) -> Result<PaperTick, TradingError> {
        let index = live.barCount
        let snapshot: PineBarSnapshot
        do throws(PineRuntimeError) {
            snapshot = try live.step(bar)
        } catch {
            return .failure(ScriptLiveSetup.runtimeError(name, error, bars: bars + [bar], offset: live.warmUpCount))
        }
        bars.append(bar)
        let value = isStrategy ? snapshot.equity : capital
        let realized = isStrategy ? snapshot.realizedEquity : capital
        values.append(value)
        cash.append(realized)
        if snapshot.positionSize != 0 { stepsInMarket += 1 }

        let result = live.trades
        let newOrders = recordFills(result: result, barIndex: index)
        let outputs = ScriptOutputs(result: result, bars: [bar], symbol: symbol)
        var changedTrades: [TradeRecord] = []
        for trade in outputs.trades {
            let known = trade.id <= trades.count ? trades[trade.id - 1] : nil
            if let known, known.status == trade.status, known.quantity == trade.quantity, known.entryTime == trade.entryTime,
               known.exitTime == trade.exitTime { continue }
            changedTrades.append(trade)
        }
        trades = outputs.trades
        let newFills = Array(fills.suffix(newOrders.count))
        let point = EquityPoint(
            timestamp: ISO8601Timestamp.string(fromMilliseconds: bar.openTime), value: value, cash: realized, pnl: value - capital)
        return .success(PaperTick(
            step: .reported(orders: newOrders, trades: changedTrades, fills: newFills, equity: point, cash: realized, value: value),
            barsProcessed: bars.count, positions: outputs.positions, closedTrades: result.closedTrades.count))
    }

    /// The fills of bar `barIndex` as orders and fills: exits of trades opened earlier, then
    /// entries, then exits of trades opened on this bar (a stop hit on the entry bar).
    private func recordFills(result: PineRunResult, barIndex: Int) -> [OrderRecord] {
        let newClosed = Array(result.closedTrades.dropFirst(closedSeen))
        closedSeen = result.closedTrades.count
        func key(_ trade: TradingViewTrade) -> String {
            "\(trade.entryId)\u{1}\(trade.entryTime)\u{1}\(trade.entryPrice)\u{1}\(trade.direction)"
        }
        var earlier = previousOpen
        var events: [(rank: Int, side: Side, clientOrderId: String, quantity: Double, price: Double, fee: Double, time: Int64)] = []
        for trade in newClosed {
            guard let exitPrice = trade.exitPrice, let exitTime = trade.exitTime else { continue }
            var fee = trade.commission
            var rank = 2
            if trade.entryBarIndex < barIndex, let match = earlier.firstIndex(where: { key($0) == key(trade) && $0.quantity > 0 }) {
                // The entry's share of the commission was reported with the entry's fill.
                let share = earlier[match].commission * min(1, trade.quantity / earlier[match].quantity)
                fee -= share
                earlier[match].commission -= share
                earlier[match].quantity -= trade.quantity
                rank = 0
            }
            events.append((rank, trade.direction == .long ? .sell : .buy, trade.exitId ?? trade.exitSignal ?? "", trade.quantity,
                           exitPrice, fee, exitTime))
        }
        var entries: [String: Int] = [:]
        for (trade, isOpen) in newClosed.map({ ($0, false) }) + result.openTrades.map({ ($0, true) }) where trade.entryBarIndex == barIndex {
            let fee = isOpen ? trade.commission : 0
            if let at = entries[key(trade)] {
                events[at].quantity += trade.quantity
                events[at].fee += fee
            } else {
                entries[key(trade)] = events.count
                events.append((1, trade.direction == .long ? .buy : .sell, trade.entryId, trade.quantity, trade.entryPrice, fee, trade.entryTime))
            }
        }
        previousOpen = result.openTrades
        var created: [OrderRecord] = []
        let name = symbol.description
        for event in events.enumerated().sorted(by: { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }).map(\.element) {
            let id = orders.count + 1
            let time = ISO8601Timestamp.string(fromMilliseconds: event.time)
            let synthetic = ScriptOutputs.SyntheticOrder(
                id: id, client_order_id: event.clientOrderId, symbol: name, side: event.side.rawValue, quantity: event.quantity,
                price: event.price, fees: event.fee, time: time)
            guard let data = try? JSONEncoder().encode(synthetic), let order = try? JSONDecoder().decode(OrderRecord.self, from: data) else {
                continue
            }
            orders.append(order)
            created.append(order)
            fills.append(FillRecord(
                id: fills.count + 1, orderId: id, clientOrderId: event.clientOrderId, symbol: name, side: event.side,
                quantity: event.quantity, price: event.price, fee: event.fee, isMaker: false, time: time))
        }
        return created
    }

    /// The plots (one value per live bar) and the trade list so far.
    func outputs() -> ScriptLiveSetup.Outputs {
        ScriptLiveSetup.outputs(of: live, bars: bars, symbol: symbol)
    }

    /// The run's results: equity per live bar, TradingView's trades, and the orders and fills
    /// reported bar by bar.
    func finish(plan: RunPlan, stopped: Bool) -> FinishedRun {
        let outputs = ScriptOutputs(result: live.trades, bars: bars, symbol: symbol)
        var finished = FinishedRun(
            scriptRunID: runID, plan: plan, outputs: outputs, initialCash: capital, times: bars.map(\.openTime), values: values,
            cash: cash, stepsInMarket: stepsInMarket, wasStopped: stopped)
        finished.orders = orders
        finished.ordersJSON = orders.map(\.compactJSON)
        finished.fills = fills
        finished.fillsJSON = fills.map(RunController.row)
        return finished
    }
}
