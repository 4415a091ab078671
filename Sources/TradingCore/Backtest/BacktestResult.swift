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
    let run = try executeBacktest(configuration: configuration, bars: bars, progress: progress, shouldStop: shouldStop, snapshot: snapshot,
                                  finalOrders: nil)
    let report = BacktestReport(output: run.output, configuration: run.resolved, equityCurveLimit: equityCurveLimit, runId: run.runId)
    return BacktestResult(report: report, output: run.output)
}

/// `runBacktest`, returning the results document written straight from the engine's output (the
/// bytes of `report.jsonMembers(pretty:)`, faster: no report records) — for callers that only
/// write the document (`backtest --json`).
public func runBacktestDocument(
    configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]], equityCurveLimit: Int? = nil, pretty: Bool
) throws(TradingError) -> ResultsDocument {
    // A long run's order list is written on another core while the loop runs.
    let totalBars = configuration.symbols.reduce(0) { $0 + (bars[$1]?.count ?? 0) }
    let stream = totalBars >= ResultsDocument.streamingBarCount
        ? OrderListStream(symbols: configuration.symbols.sorted(), pretty: pretty, expectedOrders: min(totalBars / 8, 1 << 20))
        : nil
    stream?.start()
    let run: (output: EngineOutput, resolved: BacktestConfiguration, runId: () -> String)
    do throws(TradingError) {
        run = try executeBacktest(configuration: configuration, bars: bars, progress: nil, shouldStop: nil, snapshot: nil,
                                  finalOrders: stream.map { stream in { stream.append($0) } })
    } catch {
        _ = stream?.finish()
        throw error
    }
    // The engine numbers symbols in sorted order; anything else and the list is written afresh.
    let streamed = stream.flatMap { $0.symbols == run.output.symbols ? $0 : nil }
    if streamed == nil { _ = stream?.finish() }
    return ResultsDocument(output: run.output, configuration: run.resolved, equityCurveLimit: equityCurveLimit, pretty: pretty,
                           parallelFrom: BacktestReport.parallelOrderCount, streamedOrders: streamed, runId: run.runId)
}

/// The engine run behind `runBacktest`: the output, the configuration with its parameters
/// resolved (defaults filled in) and the run id (waited for when asked).
private func executeBacktest(
    configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]],
    progress: ((Int, Int) -> Void)?, shouldStop: (() -> Bool)?, snapshot: ((BacktestProgress) -> Void)?,
    finalOrders: ((ArraySlice<Order>) -> Void)?
) throws(TradingError) -> (output: EngineOutput, resolved: BacktestConfiguration, runId: () -> String) {
    var used: [TradingSymbol: [Bar]] = [:]
    for symbol in configuration.symbols { used[symbol] = bars[symbol] }
    // The run id hashes every input bar and depends only on the inputs — so on long runs it is
    // computed on another core while the engine runs. Parameters that fail validation skip this:
    // the engine reports the error exactly as before.
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
            configuration: configuration, bars: used, progress: progress, shouldStop: shouldStop, validatesBars: true,
            snapshot: snapshot, finalOrders: finalOrders)
    } catch {
        _ = pending?.wait()
        throw error
    }
    var resolved = configuration
    if let early {
        resolved.parameters = early
    } else {
        resolved.parameters = try StrategyRegistry.validate(name: configuration.strategyName, parameters: configuration.parameters).values
    }
    let runId = { [resolved] in pending?.wait() ?? RunIdentifier.make(configuration: resolved, bars: used) }
    return (output, resolved, runId)
}
