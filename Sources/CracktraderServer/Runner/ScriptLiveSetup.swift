import Logging
import MarketData
import PineScript
import Storage
import TradingCore

/// What a script's paper run (`ScriptPaperRun`) and its venue run (`ScriptVenueBridge`) share:
/// recording the script version the run runs, the warm-up length, the environment and compiled
/// program, the error messages, and saving the plots and trade list while the run goes.
enum ScriptLiveSetup {
    /// Records the script version a run runs (its `/results` shows that source later). The error
    /// message the run ends with, or nil.
    static func record(_ script: ScriptRunSpec, runID: String, controller: RunController) async -> String? {
        do {
            try await controller.database.scripts.recordRun(runID: runID, RunScriptRecord(
                name: script.name, version: script.version, sha256: script.sha256, source: script.source, overlay: script.overlay))
            return nil
        } catch {
            return "storage: the script run could not be recorded"
        }
    }

    /// How many history bars the script needs before its first live bar (`PineWarmUp`).
    static func warmUp(_ script: ScriptRunSpec) -> Result<PineWarmUp, TradingError> {
        do throws(PineCompileError) {
            let probe = try PineProgram(source: script.source, inputs: script.overrides)
            return .success(PineWarmUp.of(source: script.source, inputs: probe.inputs))
        } catch {
            return .failure(TradingError(code: .invalidConfiguration, message: compileMessage(script.name, error)))
        }
    }

    /// The span of time to download for `count` bars before the first live bar. Calendar
    /// timeframes (weeks, months) are not all one period long, so they ask for twice as much.
    static func historySpan(bars count: Int, timeframe: Timeframe) -> Int64 {
        let period = timeframe.milliseconds
        return (Int64(count) + 2) * period * (period >= 7 * 86_400_000 ? 2 : 1)
    }

    /// The symbol's facts as the script sees them (`syminfo.*`, `timeframe.*`); the tick is
    /// inferred from the warm-up prices.
    static func environment(symbol: TradingSymbol, timeframe: Timeframe, history: [Bar]) -> PineEnvironment {
        PineEnvironment(
            ticker: symbol.base + symbol.quote, minTick: history.isEmpty ? 0.01 : PineMinTick.infer(history), quantityStep: 0.000_001,
            timeframe: timeframe, currency: symbol.quote, baseCurrency: symbol.base)
    }

    /// Compiles the script for `environment`. Call it on the engine queue: a program is not Sendable.
    static func compile(_ script: ScriptRunSpec, environment: PineEnvironment) -> Result<PineProgram, TradingError> {
        do throws(PineCompileError) {
            return .success(try PineProgram(source: script.source, inputs: script.overrides, environment: environment))
        } catch {
            return .failure(TradingError(code: .invalidConfiguration, message: compileMessage(script.name, error)))
        }
    }

    static func compileMessage(_ name: String, _ error: PineCompileError) -> String {
        let first = error.diagnostics.first.map { "\($0.line):\($0.column): \($0.message)" } ?? "unknown error"
        return "script '\(name)' does not compile: \(first)"
    }

    /// A runtime error as the run reports it: line, column, bar index and that bar's time
    /// (`offset` = bars of `bars` the error's index does not count, e.g. the warm-up).
    static func runtimeError(_ name: String, _ error: PineRuntimeError, bars: [Bar], offset: Int) -> TradingError {
        let index = error.barIndex - offset
        let time = bars.indices.contains(index) ? ISO8601Timestamp.string(fromMilliseconds: bars[index].openTime) : "?"
        return TradingError(
            code: .invalidData,
            message: "script '\(name)' stopped with a runtime error at line \(error.line), column \(error.column) on bar \(error.barIndex) (\(time)): \(error.message)")
    }

    /// The plots (one value per live bar) and the trade list so far, ready to store.
    struct Outputs: Sendable {
        let tradeListJSON: String
        let times: [Int64]
        let plots: [StoredPlot]
    }

    static func outputs(of live: PineLiveRun, bars: [Bar], symbol: TradingSymbol) -> Outputs {
        let result = live.result
        let list = ScriptOutputs(result: result, bars: bars, symbol: symbol).tradeList
        return Outputs(
            tradeListJSON: RunController.row(list), times: bars.map(\.openTime),
            plots: result.plots.map { StoredPlot(title: $0.title, values: $0.values) })
    }

    /// Saves the outputs (`/results` shows them while the run goes). The error message the run
    /// ends with, or nil.
    static func save(_ outputs: Outputs, controller: RunController, runID: String) async -> String? {
        do {
            try await controller.database.scripts.saveRunOutputs(
                runID: runID, tradeListJSON: outputs.tradeListJSON, barTimes: outputs.times, plots: outputs.plots)
            return nil
        } catch {
            controller.logger.error("could not save the script's outputs", metadata: ["run_id": "\(runID)", "error": "\(error)"])
            return "storage: the script's plots and trades could not be saved"
        }
    }
}
