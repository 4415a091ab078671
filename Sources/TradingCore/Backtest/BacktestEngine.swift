/// The backtest loop. Generic over the concrete strategy type so the hot loop is specialised:
/// no existentials, dictionaries, strings or allocations per bar.
public enum BacktestEngine {
    /// Bars between two progress callbacks / stop checks.
    public static let checkInterval = 8_192

    /// Runs the strategy called `configuration.strategyName` over `bars` and returns the raw
    /// output (no metrics, no JSON). Validates configuration and parameters, and — unless
    /// `validatesBars` is false (for bars known to be clean, e.g. in benchmarks) — that each series
    /// is strictly increasing in time with consistent OHLC.
    public static func run(
        configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]],
        progress: ((Int, Int) -> Void)? = nil, shouldStop: (() -> Bool)? = nil, validatesBars: Bool = true,
        snapshot: ((BacktestProgress) -> Void)? = nil
    ) throws(TradingError) -> EngineOutput {
        try run(configuration: configuration, bars: bars, progress: progress, shouldStop: shouldStop, validatesBars: validatesBars,
                snapshot: snapshot, finalOrders: nil)
    }

    /// As the public `run`; `finalOrders` receives, in order and on the engine's thread, every
    /// order once it can no longer change (see `FinalOrderFeed`).
    static func run(
        configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]],
        progress: ((Int, Int) -> Void)?, shouldStop: (() -> Bool)?, validatesBars: Bool,
        snapshot: ((BacktestProgress) -> Void)?, finalOrders: ((ArraySlice<Order>) -> Void)?
    ) throws(TradingError) -> EngineOutput {
        try configuration.validate()
        let strategyType = try StrategyRegistry.strategyType(named: configuration.strategyName)
        let parameters = try strategyType.validate(configuration.parameters)
        let symbols = configuration.symbols.sorted()
        var series: [[Bar]] = []
        series.reserveCapacity(symbols.count)
        for symbol in symbols {
            guard let list = bars[symbol], !list.isEmpty else {
                throw TradingError(code: .dataUnavailable, message: "no bars for \(symbol)", details: ["symbol": .text(symbol.description)])
            }
            if validatesBars { try validateOrder(list, symbol: symbol) }
            series.append(list)
        }
        return run(strategyType, parameters: parameters, series: series, symbols: symbols, timeframe: configuration.timeframe,
                   broker: configuration.brokerConfiguration, report: combine(progress, snapshot), shouldStop: shouldStop,
                   finalOrders: finalOrders)
    }

    /// Opens the existential once, outside the loop.
    static func run(
        _ type: any Strategy.Type, parameters: StrategyParameters, series: [[Bar]], symbols: [TradingSymbol],
        timeframe: Timeframe, broker: BrokerConfiguration, report: ((BacktestProgress) -> Void)?, shouldStop: (() -> Bool)?,
        finalOrders: ((ArraySlice<Order>) -> Void)? = nil
    ) -> EngineOutput {
        func open<S: Strategy>(_ concrete: S.Type) -> EngineOutput {
            let strategy = S(parameters: parameters, symbolCount: symbols.count)
            return run(strategy: strategy, series: series, symbols: symbols, timeframe: timeframe, broker: broker,
                       report: report, shouldStop: shouldStop, finalOrders: finalOrders)
        }
        // Concrete calls for the built-ins so each gets a fully specialised loop; the generic
        // fallback (opened existential) serves strategies added elsewhere.
        switch type {
        case let concrete as MovingAverageCross.Type: return open(concrete)
        case let concrete as MeanReversion.Type: return open(concrete)
        case let concrete as Breakout.Type: return open(concrete)
        case let concrete as Momentum.Type: return open(concrete)
        case let concrete as MACDTrend.Type: return open(concrete)
        case let concrete as BollingerReversion.Type: return open(concrete)
        case let concrete as BuyAndHold.Type: return open(concrete)
        case let concrete as TestStrategy.Type: return open(concrete)
        default: return open(type)
        }
    }

    /// Runs a concrete strategy value. `series[i]` are the bars of `symbols[i]`, each sorted by open time.
    public static func run<S: Strategy>(
        strategy: S, series: [[Bar]], symbols: [TradingSymbol], timeframe: Timeframe, broker: BrokerConfiguration,
        progress: ((Int, Int) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
    ) -> EngineOutput {
        run(strategy: strategy, series: series, symbols: symbols, timeframe: timeframe, broker: broker,
            report: combine(progress, nil), shouldStop: shouldStop)
    }

    /// One callback for both progress forms; nil when nobody listens, so the loop pays nothing.
    static func combine(
        _ progress: ((Int, Int) -> Void)?, _ snapshot: ((BacktestProgress) -> Void)?
    ) -> ((BacktestProgress) -> Void)? {
        if progress == nil && snapshot == nil { return nil }
        return { state in
            progress?(state.barsProcessed, state.totalBars)
            snapshot?(state)
        }
    }

    static func run<S: Strategy>(
        strategy: S, series: [[Bar]], symbols: [TradingSymbol], timeframe: Timeframe, broker: BrokerConfiguration,
        report: ((BacktestProgress) -> Void)?, shouldStop: (() -> Bool)?, finalOrders: ((ArraySlice<Order>) -> Void)? = nil
    ) -> EngineOutput {
        var orderFeed = FinalOrderFeed(sink: finalOrders)
        var strategy = strategy
        var context = StrategyContext(broker: SimulatedBroker(configuration: broker, symbolCount: symbols.count), symbols: symbols, timeframe: timeframe)
        context.broker.recordsEvents = S.observesBrokerEvents
        context.broker.reserve(orderCount: min(series.reduce(0) { $0 + $1.count } / 8, 1 << 20))
        let firstTime = series.compactMap { $0.first?.openTime }.min() ?? 0
        context.broker.begin(bar: -1, time: firstTime)
        strategy.start(context: &context)
        drainEvents(&strategy, &context)

        var output: EngineOutput
        if series.count == 1 {
            output = runSingle(&strategy, &context, bars: series[0], report: report, shouldStop: shouldStop, finalOrders: &orderFeed)
        } else {
            output = runMerged(&strategy, &context, series: series, report: report, shouldStop: shouldStop, finalOrders: &orderFeed)
        }
        strategy.stop(context: &context)
        drainEvents(&strategy, &context)
        context.broker.markOpenTrades()
        orderFeed.publishAll(context.broker)
        output.broker = context.broker
        return output
    }

    /// Hands queued broker events to the strategy (which may queue more).
    @inline(__always)
    static func drainEvents<S: Strategy>(_ strategy: inout S, _ context: inout StrategyContext) {
        guard !context.broker.events.isEmpty else { return }
        drainEventsSlow(&strategy, &context)
    }

    static func drainEventsSlow<S: Strategy>(_ strategy: inout S, _ context: inout StrategyContext) {
        var batch = context.broker.spareEvents
        while !context.broker.events.isEmpty {
            swap(&batch, &context.broker.events)
            for event in batch {
                switch event {
                case .order(let index): strategy.onOrderUpdate(context.broker.orders[index], context: &context)
                case .trade(let index): strategy.onTrade(context.broker.trades[index], context: &context)
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
        context.broker.spareEvents = batch
    }

    /// The single-symbol fast path.
    static func runSingle<S: Strategy>(
        _ strategy: inout S, _ context: inout StrategyContext, bars: [Bar],
        report: ((BacktestProgress) -> Void)?, shouldStop: (() -> Bool)?, finalOrders: inout FinalOrderFeed
    ) -> EngineOutput {
        let count = bars.count
        var equity = EquityCurve(initialCash: context.broker.account.cash, bars: bars)
        var values = [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = 0 }
        var lastCash = context.broker.account.cash
        var inMarket = 0
        var processed = 0
        var stopped = false
        bars.withUnsafeBufferPointer { bars in
            var i = 0
            while i < count {
                let end = min(count, i + checkInterval)
                while i < end {
                    let bar = bars[i]
                    context.broker.begin(bar: i, time: bar.openTime)
                    if context.broker.hasWorkingOrders {
                        context.broker.processBar(symbol: 0, bar: bar)
                        drainEvents(&strategy, &context)
                    }
                    context.broker.mark(symbol: 0, price: bar.close)
                    strategy.onBar(bar, symbol: 0, context: &context)
                    if context.broker.hasWorkingOrders {
                        context.broker.processClose(symbol: 0, bar: bar)
                    }
                    drainEvents(&strategy, &context)
                    let quantity = context.broker.account.positions[0].quantity
                    let cash = context.broker.account.cash
                    if cash != lastCash {
                        equity.recordCash(cash, at: i)
                        lastCash = cash
                    }
                    values.append(cash + quantity * bar.close)
                    inMarket &+= quantity != 0 ? 1 : 0
                    i += 1
                }
                processed = i
                finalOrders.publishFinal(context.broker)
                if let report {
                    let cash = context.broker.account.cash
                    report(BacktestProgress(
                        barsProcessed: i, totalBars: count, cash: cash, value: values.last ?? cash,
                        closedTrades: context.broker.closedTradeCount))
                }
                if i < count, let shouldStop, shouldStop() {
                    stopped = true
                    break
                }
            }
        }
        equity.values = values
        return EngineOutput(
            symbols: context.symbols, timeframe: context.timeframe, initialCash: context.broker.configuration.initialCash,
            equity: equity, broker: context.broker, barsProcessed: processed, stepsInMarket: inMarket, wasStopped: stopped)
    }

    /// Several symbols merged by open time (ties in symbol order). One equity point per timestamp.
    static func runMerged<S: Strategy>(
        _ strategy: inout S, _ context: inout StrategyContext, series: [[Bar]],
        report: ((BacktestProgress) -> Void)?, shouldStop: (() -> Bool)?, finalOrders: inout FinalOrderFeed
    ) -> EngineOutput {
        var feed = MergedFeed(series: series)
        let total = feed.totalCount
        var equity = EquityCurve(initialCash: context.broker.account.cash)
        equity.explicitTimestamps.reserveCapacity(series.map(\.count).max() ?? 0)
        equity.values.reserveCapacity(series.map(\.count).max() ?? 0)
        var lastCash = context.broker.account.cash
        var step = -1
        var currentTime = Int64.min
        var inMarket = 0
        var processed = 0
        var nextCheck = checkInterval
        var stopped = false

        func sendReport() {
            guard let report else { return }
            let account = context.broker.account
            report(BacktestProgress(
                barsProcessed: processed, totalBars: total, cash: account.cash, value: account.value,
                closedTrades: context.broker.closedTradeCount))
        }

        func recordPoint() {
            let account = context.broker.account
            if account.cash != lastCash {
                equity.recordCash(account.cash, at: equity.values.count)
                lastCash = account.cash
            }
            equity.explicitTimestamps.append(currentTime)
            equity.values.append(account.value)
            if account.positions.contains(where: { $0.quantity != 0 }) { inMarket += 1 }
        }

        while let element = feed.next() {
            let bar = series[element.series][element.index]
            if bar.openTime != currentTime {
                if step >= 0 { recordPoint() }
                step += 1
                currentTime = bar.openTime
                if processed >= nextCheck {
                    nextCheck = processed + checkInterval
                    finalOrders.publishFinal(context.broker)
                    sendReport()
                    if let shouldStop, shouldStop() {
                        stopped = true
                        break
                    }
                }
            }
            context.broker.begin(bar: step, time: bar.openTime)
            let symbol = element.series
            if context.broker.hasWorkingOrders {
                context.broker.processBar(symbol: symbol, bar: bar)
                drainEvents(&strategy, &context)
            }
            context.broker.mark(symbol: symbol, price: bar.close)
            strategy.onBar(bar, symbol: symbol, context: &context)
            if context.broker.hasWorkingOrders {
                context.broker.processClose(symbol: symbol, bar: bar)
            }
            drainEvents(&strategy, &context)
            processed += 1
        }
        if step >= 0, !stopped { recordPoint() }
        if !stopped { sendReport() }
        return EngineOutput(
            symbols: context.symbols, timeframe: context.timeframe, initialCash: context.broker.configuration.initialCash,
            equity: equity, broker: context.broker, barsProcessed: processed, stepsInMarket: inMarket, wasStopped: stopped)
    }

    /// Bars must be strictly increasing in open time, and consistent.
    static func validateOrder(_ bars: [Bar], symbol: TradingSymbol) throws(TradingError) {
        var previous = Int64.min
        for (index, bar) in bars.enumerated() {
            guard bar.openTime > previous else {
                throw TradingError(code: .invalidData, message: "bars of \(symbol) are not strictly increasing in time at index \(index)",
                                   details: ["symbol": .text(symbol.description), "index": .number(Double(index))])
            }
            guard bar.isConsistent else {
                throw TradingError(code: .invalidData, message: "bar \(index) of \(symbol) is inconsistent (OHLC out of order or not finite)",
                                   details: ["symbol": .text(symbol.description), "index": .number(Double(index))])
            }
            previous = bar.openTime
        }
    }
}
