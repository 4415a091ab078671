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
        guard let loaded = await controller.loadAndBegin(id: id, plan: plan, stop: stop) else { return }

        let clock = ContinuousClock()
        let started = clock.now
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
