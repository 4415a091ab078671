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

/// A backtest: bars from history (`sim` generated, else the store or a venue download), the
/// simulated broker, results saved at the end.
struct BacktestRun: RunExecution {
    let controller: RunController
    let id: String
    let plan: RunPlan
    let stop: StopSignal

    func execute() async {
        let configuration = plan.configuration
        // 1. Bars (`RunController+History`).
        guard let loaded = await controller.loadAndBegin(id: id, plan: plan, stop: stop) else { return }

        // 2. The engine, off the event loops.
        let clock = ContinuousClock()
        let started = clock.now
        let outcome: Result<FinishedRun, TradingError> = await withCheckedContinuation { continuation in
            controller.engineQueue.async { [controller] in
                do throws(TradingError) {
                    let result = try runBacktest(
                        configuration: configuration, bars: loaded,
                        shouldStop: { stop.isSet }, equityCurveLimit: 1,
                        snapshot: { state in controller.progress(id: id, state: state) })
                    continuation.resume(returning: .success(FinishedRun(id: id, plan: plan, result: result)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        switch outcome {
        case .failure(let error):
            await controller.finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
        case .success(let finished):
            let seconds = Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds) / 1e18
            if seconds > 0 { controller.metrics.recordBarsPerSecond(Double(finished.barsProcessed) / seconds) }
            await controller.complete(id: id, finished: finished, stopped: finished.wasStopped)
        }
    }
}
