#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DataAccess
import Dispatch
import Logging
import ExchangeHistory
import MarketData
import Storage
import TradingCore

/// A paper run: live bars (`sim` in real time, or a venue's closed candles), the simulated broker,
/// orders and fills journaled as they happen.
struct PaperRun: RunExecution {
    let controller: RunController
    let id: String
    let plan: RunPlan
    let stop: StopSignal

    /// Paper runs commit as they go (see docs/storage.md, "Order journal"): every new order is in
    /// `run_orders` before the simulated broker accepts it (the journal blocks the engine queue
    /// for that commit), and each bar's order changes, trades and fills are committed in one
    /// transaction before they reach memory, `/status` or the WebSocket.
    func execute() async {
        let configuration = plan.configuration
        let symbols = configuration.symbols.sorted()
        // Paper money: commits survive a killed process (WAL, synchronous=NORMAL) without an
        // fsync each; see docs/storage.md for the measurement behind this choice.
        let journal = RunOrderJournal(store: controller.database.runs, runID: id, durable: false) { order in
            RunController.row(OrderRecord(order, symbols: symbols))
        }
        let startTime = controller.options.now()
        let box: PaperBox
        do {
            // The strategy's `start` may place orders, which block on the journal: engine queue.
            box = try await controller.onEngineQueue { () throws(TradingError) -> PaperBox in
                PaperBox(try PaperSession(
                    configuration: configuration, startTime: startTime, journal: journal,
                    clientOrderIdPrefix: RunController.clientOrderIdPrefix(runID: id), riskLimits: plan.risk.orderRiskLimits))
            }
        } catch {
            return await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
        }
        guard controller.began(id: id, totalBars: plan.maxBars) else {
            return await controller.finishWithoutResults(id: id, event: .halted, error: nil)
        }
        await controller.persistTransition(id: id, .began)
        var storageFailure: String?
        let opening = await controller.onEngineQueue { box.session.initialOrders }
        if !opening.isEmpty || journal.hasFailed {
            storageFailure = await controller.commit(id: id, batch: RunController.batch(orders: opening, trades: [], fills: [], tradeCount: nil), journal: journal)
        }

        let (stream, continuation) = AsyncStream<(Bar, TradingSymbol)>.makeStream(bufferingPolicy: .unbounded)
        let feeds = Task {
            await withTaskGroup(of: Void.self) { group in
                for symbol in configuration.symbols {
                    group.addTask {
                        do {
                            if let venueFeed = controller.venueFeed(exchange: plan.exchange, symbol: symbol, timeframe: configuration.timeframe) {
                                // A real venue: its closed candles in real time (speed does not apply).
                                for try await bar in venueFeed { continuation.yield((bar, symbol)) }
                            } else {
                                let feed = SimExchange.liveBars(symbol: symbol, timeframe: configuration.timeframe, speed: plan.speed)
                                for try await bar in feed { continuation.yield((bar, symbol)) }
                            }
                        } catch is CancellationError {
                        } catch {
                            let message = (error as? TradingError)?.message ?? "\(error)"
                            controller.hub.publish(type: "error", payload: RunController.ErrorPayload(code: "MARKET_DATA_ERROR", message: message, run_id: id))
                            controller.logger.warning("live feed ended", metadata: ["run_id": "\(id)", "symbol": "\(symbol)", "error": "\(message)"])
                        }
                    }
                }
            }
            continuation.finish()
        }
        stop.onStop {
            feeds.cancel()
            continuation.finish()
        }
        var reachedLimit = false
        if storageFailure == nil {
            for await (bar, symbol) in stream {
                if stop.isSet { break }
                let tick = await controller.onEngineQueue { () -> PaperTick? in
                    guard let step = box.session.process(bar: bar, symbol: symbol) else { return nil }
                    let session = box.session
                    return PaperTick(
                        step: step, barsProcessed: session.barsProcessed,
                        positions: session.account.positions.filter { $0.quantity != 0 }.map { PositionRecord($0, symbols: session.symbols) },
                        closedTrades: session.trades.filter { !$0.isOpen }.count)
                }
                guard let tick else { continue }
                // Committed before memory, /status or the WebSocket hear of it.
                if !tick.step.orders.isEmpty || !tick.step.trades.isEmpty || !tick.step.fills.isEmpty || journal.hasFailed {
                    let batch = RunController.batch(orders: tick.step.orders, trades: tick.step.trades, fills: tick.step.fills, tradeCount: tick.closedTrades)
                    storageFailure = await controller.commit(id: id, batch: batch, journal: journal)
                    if storageFailure != nil { break }
                }
                controller.paperStep(id: id, tick: tick)
                if let maxBars = plan.maxBars, tick.barsProcessed >= maxBars {
                    reachedLimit = true
                    break
                }
            }
        }
        feeds.cancel()
        let stopped = !reachedLimit
        let output = await controller.onEngineQueue { box.session.finish(stopped: stopped) }
        let report = BacktestReport(runId: id, configuration: configuration, output: output, equityCurveLimit: 1)
        var finished = FinishedRun(id: id, plan: plan, report: report, output: output)
        finished.fills = output.broker.fills.enumerated().map { index, fill in
            FillRecord(fill, id: index + 1, clientOrderId: output.broker.order(id: fill.orderId)?.clientOrderId, symbols: symbols)
        }
        finished.fillsJSON = finished.fills.map(RunController.row)
        await controller.complete(id: id, finished: finished, stopped: stopped, failure: storageFailure)
    }
}
