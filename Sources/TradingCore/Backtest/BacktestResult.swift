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
    let output = try BacktestEngine.run(
        configuration: configuration, bars: used, progress: progress, shouldStop: shouldStop, snapshot: snapshot)
    // The report's config carries the resolved parameters (defaults filled in).
    var resolved = configuration
    resolved.parameters = try StrategyRegistry.validate(name: configuration.strategyName, parameters: configuration.parameters).values
    let runId = RunIdentifier.make(configuration: resolved, bars: used)
    let report = BacktestReport(runId: runId, configuration: resolved, output: output, equityCurveLimit: equityCurveLimit)
    return BacktestResult(report: report, output: output)
}
