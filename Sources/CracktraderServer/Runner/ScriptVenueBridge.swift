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

/// A Pine script trading on a venue (sandbox and live runs). The script runs on TradingView's
/// strategy model as in a paper run, with orders processed on the bar's close; after each closed
/// bar its model position becomes the target of a ``TargetPositionStrategy``, which sends the
/// difference to the venue as one market order through the run's ordinary execution path (the
/// same journal, risk guards, venue rules and reconciliation as a built-in strategy's orders).
///
/// So a script's limit and stop orders are evaluated by the model on the bar and reach the venue
/// as a market order at that bar's close; they never rest on the venue. Quantities are the
/// model's (its `initial_capital` and `default_qty_*`), not sized from the venue balance. See
/// docs/pine.md, "Sandbox and live runs".
///
/// Only touched on the (serial) engine queue, like `ScriptPaperState`.
final class ScriptVenueBridge: @unchecked Sendable {
    let live: PineLiveRun
    let name: String
    let symbol: TradingSymbol
    /// Live bars the script has run, oldest first (the plots' times).
    private(set) var bars: [Bar] = []
    /// Open time of the newest bar the script has seen (history included).
    private var latest: Int64
    /// The script's runtime error; the run stops with it.
    private(set) var failure: TradingError?

    init(live: PineLiveRun, name: String, symbol: TradingSymbol, lastHistoryOpenTime: Int64) {
        self.live = live
        self.name = name
        self.symbol = symbol
        latest = lastHistoryOpenTime
    }

    /// The strategy the run's `PaperSession` drives: one market order per change of the model
    /// position; orders under the venue's step or minimum quantity are not sent.
    func strategy(minimumQuantity: Double) -> TargetPositionStrategy {
        TargetPositionStrategy(minimumQuantity: minimumQuantity) { [self] bar, _ in target(after: bar) }
    }

    /// Runs the script on `bar` and returns its model position (never below zero: scripts that can
    /// go short are refused on spot venues before the run starts). Nil for a bar the script has
    /// already seen, and after a runtime error (nothing more is traded).
    func target(after bar: Bar) -> Double? {
        guard failure == nil, bar.openTime > latest else { return nil }
        latest = bar.openTime
        do throws(PineRuntimeError) {
            try live.step(bar)
        } catch {
            failure = ScriptLiveSetup.runtimeError(name, error, bars: bars + [bar], offset: live.warmUpCount)
            return nil
        }
        bars.append(bar)
        guard let broker = live.broker else { return nil }
        return max(0, broker.positionSize)
    }

    /// The plots (one value per live bar) and the model's trade list so far.
    func outputs() -> ScriptLiveSetup.Outputs {
        ScriptLiveSetup.outputs(of: live, bars: bars, symbol: symbol)
    }
}

extension ScriptVenueBridge {
    /// Records the script version the run runs, fetches the warm-up history, compiles the script
    /// and replays the history. Fails with the message the run ends with.
    ///
    /// The history comes from where the run's candles come from (`marketDataBaseURL`: the
    /// testnet, or `exchange_config.base_url`), so its prices join the live bars'.
    static func prepare(
        controller: RunController, runID: String, plan: RunPlan, script: ScriptRunSpec, stop: StopSignal, marketDataBaseURL: String?
    ) async -> Result<ScriptVenueBridge, TradingError> {
        let symbol = plan.configuration.symbols[0]
        let timeframe = plan.configuration.timeframe
        if let problem = await ScriptLiveSetup.record(script, runID: runID, controller: controller) {
            return .failure(TradingError(code: .invalidData, message: problem))
        }
        let warmUp: PineWarmUp
        switch ScriptLiveSetup.warmUp(script) {
        case .success(let value): warmUp = value
        case .failure(let error): return .failure(error)
        }
        // Venue candles only: the first live bar is the one open now.
        let firstLive = PeriodCalendar.periodStart(containing: WallClock.nowMilliseconds(), timeframe: timeframe)
        var history: [Bar] = []
        if warmUp.bars > 0 {
            guard let venue = VenueID(id: plan.exchange), let httpClient = controller.resolver.httpClient else {
                return .failure(TradingError(code: .dataUnavailable, message: "no market data for \(plan.exchange) in this build"))
            }
            let downloader = HistoryDownloader(httpClient: httpClient, venue: venue, baseURL: marketDataBaseURL)
            let span = ScriptLiveSetup.historySpan(bars: warmUp.bars, timeframe: timeframe)
            do {
                let bars = try await downloader.download(symbol: symbol, timeframe: timeframe, from: max(0, firstLive - span), to: firstLive)
                history = Array(bars.filter { $0.openTime < firstLive }.suffix(warmUp.bars))
            } catch {
                let message = (error as? TradingError)?.message ?? "\(error)"
                return .failure(TradingError(
                    code: (error as? TradingError)?.code ?? .dataUnavailable, message: "warm-up history for script '\(script.name)': \(message)"))
            }
        }
        if stop.isSet { return .failure(TradingError(code: .invalidConfiguration, message: "stopped before the first bar")) }
        let environment = ScriptLiveSetup.environment(symbol: symbol, timeframe: timeframe, history: history)
        let name = script.name
        let warmUpBars = history
        let bridge: Result<ScriptVenueBridge, TradingError> = await controller.onEngineQueue {
            let program: PineProgram
            switch ScriptLiveSetup.compile(script, environment: environment) {
            case .success(let value): program = value
            case .failure(let error): return .failure(error)
            }
            guard program.declaration.kind == .strategy else {
                return .failure(TradingError(
                    code: .invalidConfiguration, message: "script '\(name)' is an indicator: only a strategy() script can trade on a venue"))
            }
            do throws(PineRuntimeError) {
                let live = try PineLiveRun(program: program, history: warmUpBars, ordersOnClose: true)
                return .success(ScriptVenueBridge(
                    live: live, name: name, symbol: symbol, lastHistoryOpenTime: warmUpBars.last?.openTime ?? Int64.min))
            } catch {
                return .failure(ScriptLiveSetup.runtimeError(name, error, bars: warmUpBars, offset: 0))
            }
        }
        if case .success = bridge {
            controller.logger.info("script venue run warmed up", metadata: [
                "run_id": "\(runID)", "script": "\(script.name)", "warm_up_bars": "\(history.count)", "basis": "\(warmUp.basis.rawValue)",
            ])
        }
        return bridge
    }

    /// Saves the plots and the model's trade list so far (`/results` shows them).
    func save(controller: RunController, runID: String) async -> String? {
        let outputs = await controller.onEngineQueue { self.outputs() }
        return await ScriptLiveSetup.save(outputs, controller: controller, runID: runID)
    }
}
