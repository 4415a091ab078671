import TradingCore

/// A script backtest's account bar by bar and the `performance_metrics` / `final_value` computed
/// from it. The server's script backtest (`/results`) and a sweep cell of a script both use this,
/// so the two report the same numbers for the same script, inputs, symbol and bars.
///
/// ```swift
/// let environment = PineEnvironment.backtest(symbol: symbol, timeframe: .oneHour, bars: bars)
/// let program = try PineProgram(source: source, inputs: inputs, environment: environment)
/// var account = PineBacktestAccount(declaration: program.declaration, indicatorCash: 10_000, capacity: bars.count)
/// let result = try program.run(bars: bars) { account.record($0) }
/// let metrics = account.performanceMetrics(result: result, times: bars.map(\.openTime), timeframe: .oneHour)
/// ```
public struct PineBacktestAccount: Sendable {
    /// The strategy's `initial_capital`; for an indicator, the flat value its untraded account keeps.
    public let initialCash: Double
    let isStrategy: Bool
    /// Equity after each bar (`strategy.equity`).
    public private(set) var values: [Double] = []
    /// Initial capital plus net profit after each bar (without the open position's profit).
    public private(set) var cash: [Double] = []
    /// Bars that ended with a position open (for `exposure`).
    public private(set) var stepsInMarket = 0

    public init(declaration: PineDeclaration, indicatorCash: Double, capacity: Int = 0) {
        isStrategy = declaration.kind == .strategy
        initialCash = isStrategy ? declaration.properties.initialCapital : indicatorCash
        values.reserveCapacity(capacity)
        cash.reserveCapacity(capacity)
    }

    /// Records one settled bar (the `afterBar` callback of `PineProgram.run(bars:afterBar:)`).
    public mutating func record(_ snapshot: PineBarSnapshot) {
        values.append(isStrategy ? snapshot.equity : initialCash)
        cash.append(isStrategy ? snapshot.realizedEquity : initialCash)
        if snapshot.positionSize != 0 { stepsInMarket += 1 }
    }

    /// `final_value`: the equity after the last bar (the initial cash before any bar).
    public var finalValue: Double { values.last ?? initialCash }

    /// `performance_metrics` of the run; `times` are the open times of the bars recorded.
    public func performanceMetrics(result: PineRunResult, times: [Int64], timeframe: Timeframe) -> PerformanceMetrics {
        Self.performanceMetrics(
            times: times, values: values, cash: cash, initialCash: initialCash, timeframe: timeframe,
            stepsInMarket: stepsInMarket, closedTrades: result.closedTrades, openTrades: result.openTrades)
    }

    /// The metrics of `docs/metrics.md` from a script's equity series and TradingView's trades:
    /// the curve statistics from the equity, the trade figures from the trades' net profits.
    public static func performanceMetrics(
        times: [Int64], values: [Double], cash: [Double], initialCash: Double, timeframe: Timeframe, stepsInMarket: Int,
        closedTrades: [TradingViewTrade], openTrades: [TradingViewTrade]
    ) -> PerformanceMetrics {
        let fees = (closedTrades + openTrades).reduce(0) { $0 + $1.commission }
        var metrics = PerformanceMetrics.compute(
            equity: EquityCurve(timestamps: times, values: values, cash: cash), initialCash: initialCash,
            timeframe: timeframe, trades: [], stepsInMarket: stepsInMarket, totalFees: fees)
        addTradeStatistics(&metrics, closed: closedTrades, open: openTrades.count)
        return metrics
    }

    /// The trade figures of `docs/metrics.md`, from TradingView's closed trades (net profit each).
    public static func addTradeStatistics(_ m: inout PerformanceMetrics, closed: [TradingViewTrade], open: Int) {
        var wins = 0, losses = 0
        var grossProfit = 0.0, grossLoss = 0.0, total = 0.0
        var best = -Double.infinity, worst = Double.infinity
        for trade in closed {
            total += trade.profit
            if trade.profit > 0 { wins += 1; grossProfit += trade.profit }
            if trade.profit < 0 { losses += 1; grossLoss += trade.profit }
            best = max(best, trade.profit)
            worst = min(worst, trade.profit)
        }
        m.openTrades = open
        m.totalTrades = closed.count
        m.winningTrades = wins
        m.losingTrades = losses
        if !closed.isEmpty {
            m.winRate = Double(wins) / Double(closed.count)
            m.expectancy = total / Double(closed.count)
            m.bestTrade = best
            m.worstTrade = worst
        }
        if wins > 0 { m.avgWin = grossProfit / Double(wins) }
        if losses > 0 {
            m.avgLoss = grossLoss / Double(losses)
            m.profitFactor = grossProfit / -grossLoss
        }
    }
}

extension PineEnvironment {
    /// What a backtest of `symbol` on `bars` tells the script: ticker `BASEQUOTE`, the quote and
    /// base currencies, `syminfo.mintick` inferred from the prices' decimals (`PineMinTick`), and
    /// a quantity step of 0.000001 — the server's script backtests and sweep cells alike.
    public static func backtest(symbol: TradingSymbol, timeframe: Timeframe, bars: [Bar]) -> PineEnvironment {
        PineEnvironment(
            ticker: symbol.base + symbol.quote, minTick: PineMinTick.infer(bars), quantityStep: 0.000_001,
            timeframe: timeframe, currency: symbol.quote, baseCurrency: symbol.base)
    }
}
