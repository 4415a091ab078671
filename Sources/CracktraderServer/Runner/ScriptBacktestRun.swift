import DataAccess
import Dispatch
import MarketData
import Storage
import TradingCore

/// A backtest of a saved Pine script: the same bars a built-in backtest gets (`sim` generated,
/// else the store or a venue download), the script run by `ScriptRunSpec.execute` on the engine
/// queue against TradingView's strategy model, results saved like any run's.
struct ScriptBacktestRun: RunExecution {
    let controller: RunController
    let id: String
    let plan: RunPlan
    let stop: StopSignal
    let script: ScriptRunSpec

    func execute() async {
        let configuration = plan.configuration
        var bars: [TradingSymbol: [Bar]] = [:]
        do {
            if plan.exchange == SimExchange.id, let from = plan.from, let to = plan.to {
                bars = try await controller.onEngineQueue { () throws(TradingError) -> [TradingSymbol: [Bar]] in
                    var result: [TradingSymbol: [Bar]] = [:]
                    for symbol in configuration.symbols {
                        result[symbol] = try SimExchange.bars(symbol: symbol, timeframe: configuration.timeframe, from: from, to: to)
                    }
                    return result
                }
            } else {
                for symbol in configuration.symbols {
                    bars[symbol] = try await controller.resolver.bars(
                        exchange: plan.exchange, symbol: symbol, timeframe: configuration.timeframe, from: plan.from, to: plan.to)
                }
            }
        } catch {
            if stop.isSet { return await controller.finishWithoutResults(id: id, event: .halted, error: nil) }
            return await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
        }
        if stop.isSet { return await controller.finishWithoutResults(id: id, event: .halted, error: nil) }
        let total = configuration.symbols.reduce(0) { $0 + (bars[$1]?.count ?? 0) }
        guard controller.began(id: id, totalBars: total) else {
            return await controller.finishWithoutResults(id: id, event: .halted, error: nil)
        }
        _ = try? await controller.database.runs.updateStatus(id: id, status: RunStatus.running.rawValue)

        let clock = ContinuousClock()
        let started = clock.now
        let loaded = bars
        let (id, plan, stop, script, controller) = (self.id, self.plan, self.stop, self.script, self.controller)
        let outcome: Result<FinishedRun, TradingError> = await withCheckedContinuation { continuation in
            controller.engineQueue.async {
                continuation.resume(returning: script.execute(
                    id: id, plan: plan, bars: loaded, database: controller.database, shouldStop: { stop.isSet },
                    progress: { controller.progress(id: id, state: $0) }))
            }
        }
        switch outcome {
        case .failure(let error):
            await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
        case .success(let finished):
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds > 0 { controller.metrics.recordBarsPerSecond(Double(finished.barsProcessed) / seconds) }
            await controller.complete(id: id, finished: finished, stopped: finished.wasStopped)
        }
    }
}
