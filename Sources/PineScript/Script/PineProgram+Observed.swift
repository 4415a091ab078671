import TradingCore

/// The strategy's account after one bar, for equity curves and progress.
public struct PineBarSnapshot: Sendable, Hashable {
    public var barIndex: Int
    /// Initial capital + net profit + open profit (TradingView's `strategy.equity`).
    public var equity: Double
    /// Initial capital + net profit: what the account holds without the open position's profit.
    public var realizedEquity: Double
    /// Signed position size (`strategy.position_size`).
    public var positionSize: Double
    public var closedTrades: Int
}

extension PineProgram {
    /// Runs the script over `bars` like `run(bars:)` — the same per-bar steps in the same order, so
    /// the trades, plots and statistics are identical — and calls `afterBar` once each bar has
    /// settled. `shouldStop` is polled every `stopCheckInterval` bars; a stop ends the loop early
    /// and the result covers the bars processed (`barCount`).
    public func run(bars: [Bar], stopCheckInterval: Int = 8_192, shouldStop: () -> Bool = { false },
                    afterBar: (PineBarSnapshot) -> Void) throws(PineRuntimeError) -> PineRunResult {
        precondition(!hasRun, "a PineProgram runs once; compile a new one for another run")
        hasRun = true
        let runtime = PineRuntime()
        runtime.bars = bars
        runtime.lastBarIndex = bars.count - 1
        runtime.loopBudgetPerBar = PineCompiler.loopIterationBudget
        runtime.barDurationMilliseconds = environment.timeframe?.milliseconds
            ?? (bars.count > 1 ? bars[1].openTime - bars[0].openTime : 0)
        var broker: TradingViewBroker?
        if declaration.kind == .strategy {
            broker = TradingViewBroker(properties: declaration.properties)
            runtime.broker = broker
        }
        let body = self.body
        let updates = self.perBarUpdates
        let plots = self.plots
        let capital = declaration.properties.initialCapital
        var processed = 0
        bars.withUnsafeBufferPointer { storage in
            guard let base = storage.baseAddress else { return }
            runtime.barStorage = base
            for index in 0..<storage.count {
                if index % max(1, stopCheckInterval) == 0, index > 0, shouldStop() { return }
                runtime.barIndex = index
                runtime.loopBudget = runtime.loopBudgetPerBar
                broker?.beginBar(base[index], index: index)
                updates?(runtime)
                _ = body(runtime)
                if runtime.error != nil { return }
                broker?.endBar()
                for plot in plots where plot.values.count < index + 1 { plot.values.append(.nan) }
                processed = index + 1
                if let broker {
                    afterBar(PineBarSnapshot(
                        barIndex: index, equity: broker.equity, realizedEquity: broker.initialCapital + broker.netProfit,
                        positionSize: broker.positionSize, closedTrades: broker.closedTradeCount))
                } else {
                    afterBar(PineBarSnapshot(barIndex: index, equity: capital, realizedEquity: capital, positionSize: 0, closedTrades: 0))
                }
            }
        }
        if let error = runtime.error { throw error }
        broker?.finish()
        return PineRunResult(
            declaration: declaration,
            closedTrades: broker?.closedTrades ?? [],
            openTrades: broker?.openTrades ?? [],
            plots: plots.map { PinePlot(title: $0.title, values: $0.values) },
            statistics: broker.map(PineStrategyStatistics.init) ?? nil,
            barCount: processed)
    }
}

/// `syminfo.mintick` when none is given: the price step implied by the decimals the prices use
/// (at most 10), looking at the first 5,000 bars — what `cracktrader backtest --script` infers.
public enum PineMinTick {
    public static func infer(_ bars: [Bar]) -> Double {
        var decimals = 0
        var scale = 1.0
        let sample = bars.prefix(5_000)
        outer: while decimals < 10 {
            for bar in sample {
                for price in [bar.open, bar.high, bar.low, bar.close] {
                    let scaled = price * scale
                    if abs(scaled - scaled.rounded()) > 1e-6 * max(1, abs(scaled)) * 1e-3 {
                        decimals += 1
                        scale *= 10
                        continue outer
                    }
                }
            }
            break
        }
        var step = 1.0
        for _ in 0..<decimals { step /= 10 }
        return step
    }
}

extension PineTradeList {
    /// A trade list from rows kept earlier (for example, read back from a database).
    public init(rows: [Row]) {
        self.rows = rows
    }
}

extension PineTradeList.Row {
    public init(number tradeNumber: Int, type: String, time: Int64, signal: String, price: Double, quantity: Double,
                positionValue: Double, netProfit: Double, netProfitPercent: Double, runUp: Double, runUpPercent: Double,
                drawdown: Double, drawdownPercent: Double, cumulativeProfit: Double, cumulativeProfitPercent: Double) {
        self.tradeNumber = tradeNumber
        self.type = type
        self.time = time
        self.signal = signal
        self.price = price
        self.quantity = quantity
        self.positionValue = positionValue
        self.netProfit = netProfit
        self.netProfitPercent = netProfitPercent
        self.runUp = runUp
        self.runUpPercent = runUpPercent
        self.drawdown = drawdown
        self.drawdownPercent = drawdownPercent
        self.cumulativeProfit = cumulativeProfit
        self.cumulativeProfitPercent = cumulativeProfitPercent
    }
}
