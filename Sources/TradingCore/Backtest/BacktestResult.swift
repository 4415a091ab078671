/// What `runBacktest` returns: the result document plus the raw engine output.
public struct BacktestResult: Sendable {
    public var report: BacktestReport
    public var output: EngineOutput

    public init(report: BacktestReport, output: EngineOutput) {
        self.report = report
        self.output = output
    }
}

/// Runs a backtest end to end: validates configuration, strategy name, parameters and bars; runs
/// the engine; computes metrics; builds the report with a deterministic run id (FNV-1a of inputs).
///
/// - Parameters:
///   - bars: bars per symbol, each sorted by open time (strictly increasing). Every symbol of the
///     configuration must be present; extra symbols are ignored.
///   - progress: called every `BacktestEngine.checkInterval` bars with (processed, total) bars.
///   - shouldStop: polled as often as `progress`; returning true ends the run with status `stopped`.
///   - equityCurveLimit: optional cap on equity points in the report (metrics use every point).
///   - snapshot: like `progress`, with cash, value and closed trades so far.
public func runBacktest(
    configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]],
    progress: ((Int, Int) -> Void)? = nil, shouldStop: (() -> Bool)? = nil, equityCurveLimit: Int? = nil,
    snapshot: ((BacktestProgress) -> Void)? = nil
) throws(TradingError) -> BacktestResult {
    var used: [TradingSymbol: [Bar]] = [:]
    for symbol in configuration.symbols { used[symbol] = bars[symbol] }
    // The run id hashes every input bar (FNV-1a, byte-serial: about as long as the loop itself on
    // a long run), and depends only on the inputs — so on long runs it is computed on another
    // core while the engine runs. Parameters that fail validation skip this: the engine reports
    // the error exactly as before.
    let totalBars = used.values.reduce(0) { $0 + $1.count }
    let early = totalBars >= RunIdentifier.concurrentThreshold
        ? try? StrategyRegistry.validate(name: configuration.strategyName, parameters: configuration.parameters).values
        : nil
    let pending = early.map { values in
        var resolved = configuration
        resolved.parameters = values
        return RunIdentifier.Pending(configuration: resolved, bars: used)
    }
    let output: EngineOutput
    do throws(TradingError) {
        output = try BacktestEngine.run(
            configuration: configuration, bars: used, progress: progress, shouldStop: shouldStop, snapshot: snapshot)
    } catch {
        _ = pending?.wait()
        throw error
    }
    // The report's config carries the resolved parameters (defaults filled in).
    var resolved = configuration
    if let early {
        resolved.parameters = early
    } else {
        resolved.parameters = try StrategyRegistry.validate(name: configuration.strategyName, parameters: configuration.parameters).values
    }
    let report = BacktestReport(output: output, configuration: resolved, equityCurveLimit: equityCurveLimit) {
        pending?.wait() ?? RunIdentifier.make(configuration: resolved, bars: used)
    }
    return BacktestResult(report: report, output: output)
}
