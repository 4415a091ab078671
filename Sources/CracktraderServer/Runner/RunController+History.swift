import DataAccess
import MarketData
import Storage
import TradingCore

/// The bars of a backtest, shared by every backtest execution (built-in strategies and scripts).
extension RunController {
    /// `sim` is generated on the engine queue; anything else comes from the resolver (store, then
    /// a venue download, else `DATA_UNAVAILABLE`).
    func historyBars(plan: RunPlan) async throws(TradingError) -> [TradingSymbol: [Bar]] {
        let configuration = plan.configuration
        if plan.exchange == SimExchange.id, let from = plan.from, let to = plan.to {
            return try await onEngineQueue { () throws(TradingError) -> [TradingSymbol: [Bar]] in
                var result: [TradingSymbol: [Bar]] = [:]
                for symbol in configuration.symbols {
                    result[symbol] = try SimExchange.bars(symbol: symbol, timeframe: configuration.timeframe, from: from, to: to)
                }
                return result
            }
        }
        var bars: [TradingSymbol: [Bar]] = [:]
        for symbol in configuration.symbols {
            bars[symbol] = try await resolver.bars(
                exchange: plan.exchange, symbol: symbol, timeframe: configuration.timeframe, from: plan.from, to: plan.to)
        }
        return bars
    }

    /// Loads a backtest's bars and moves the run to `running`. Nil when the run is over instead:
    /// the data could not be had (failed, with the reason) or it was stopped meanwhile (halted).
    func loadAndBegin(id: String, plan: RunPlan, stop: StopSignal) async -> [TradingSymbol: [Bar]]? {
        let bars: [TradingSymbol: [Bar]]
        do {
            bars = try await historyBars(plan: plan)
        } catch {
            if stop.isSet {
                await finishWithoutResults(id: id, event: .halted, error: nil)
            } else {
                await finishWithoutResults(id: id, event: .fail, error: error.message, code: error.code.rawValue)
            }
            return nil
        }
        if stop.isSet {
            await finishWithoutResults(id: id, event: .halted, error: nil)
            return nil
        }
        let total = plan.configuration.symbols.reduce(0) { $0 + (bars[$1]?.count ?? 0) }
        guard began(id: id, totalBars: total) else {
            await finishWithoutResults(id: id, event: .halted, error: nil)
            return nil
        }
        await persistTransition(id: id, .began)
        return bars
    }
}
