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
        // 1. Bars: `sim` is generated on the engine queue, anything else comes from the resolver.
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

        // 2. The engine, off the event loops.
        let clock = ContinuousClock()
        let started = clock.now
        let loaded = bars
        bars = [:]
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
