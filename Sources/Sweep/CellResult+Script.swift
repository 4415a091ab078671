import PineScript
import TradingCore

extension CellResult {
    /// Runs one cell of a script sweep: the script compiled with the cell's inputs, with the
    /// environment of the server's script backtest on the cell's window (`PineEnvironment.backtest`:
    /// mintick inferred from those bars), and `performance_metrics` / `final_value` from
    /// `PineBacktestAccount`, the computation the server's `/results` uses. The source comes from
    /// the config (read once); a compile per cell is cheap next to the run, and a `PineProgram`
    /// runs only once anyway.
    static func runScript(_ cell: SweepCell, script: SweepScript, config: SweepConfig, timeframe: Timeframe, bars: [Bar]) -> CellResult {
        var object = cell.planJSON.objectValue!
        func failed(_ code: TradingError.Code, _ message: String) -> CellResult {
            object["status"] = .string(Status.failed.rawValue)
            object["error"] = .object(["code": .string(code.rawValue), "message": .string(message)])
            object["objective"] = .null
            return try! CellResult(json: .object(object))
        }
        guard !bars.isEmpty else { return failed(.dataUnavailable, "no bars of \(cell.symbol) in the cell's window") }
        let environment = PineEnvironment.backtest(symbol: cell.symbol, timeframe: timeframe, bars: bars)
        let program: PineProgram
        do {
            program = try PineProgram(source: script.source, inputs: script.overrides(cell.parameters), environment: environment)
        } catch {
            let first = error.diagnostics.first { $0.severity == .error } ?? error.diagnostics.first
            return failed(.invalidConfiguration, "\(script.path) does not compile: " + (first.map { "\($0.line):\($0.column): \($0.message)" } ?? "unknown error"))
        }
        var account = PineBacktestAccount(declaration: program.declaration, indicatorCash: config.initialCash, capacity: bars.count)
        let result: PineRunResult
        do {
            result = try program.run(bars: bars) { account.record($0) }
        } catch {
            let time = error.barIndex < bars.count ? ISO8601Timestamp.string(fromMilliseconds: bars[error.barIndex].openTime) : "?"
            return failed(.invalidData, "\(script.path) stopped with a runtime error at line \(error.line), column \(error.column) on bar \(error.barIndex) (\(time)): \(error.message)")
        }
        let times = bars.map(\.openTime)
        let metrics = account.performanceMetrics(result: result, times: times, timeframe: timeframe)
        object["status"] = .string(Status.ok.rawValue)
        object["performance_metrics"] = metricsJSON(metrics)
        object["final_value"] = .number(account.finalValue.isFinite ? account.finalValue : 0)
        object["objective"] = .number(config.objective.score(metrics, initialCash: account.initialCash))
        if cell.role.keepsEquity {
            object["equity_curve"] = equityJSON(EquityCurve(timestamps: times, values: account.values, cash: account.cash))
        }
        return try! CellResult(json: .object(object))
    }
}
