extension PerformanceMetrics {
    /// Computes every metric from an engine run (formulas in `docs/metrics.md`).
    public init(output: EngineOutput) {
        self = PerformanceMetrics.compute(
            equity: output.equity, initialCash: output.initialCash, timeframe: output.timeframe,
            trades: output.trades, stepsInMarket: output.stepsInMarket, totalFees: output.account.totalFees)
    }

    /// The metrics of an equity curve and its trades.
    ///
    /// - Returns are simple returns between consecutive equity points, the first one measured
    ///   from `initialCash`: `r₀ = v₀ / initialCash − 1`, `rₜ = vₜ / vₜ₋₁ − 1`.
    public static func compute(
        equity: EquityCurve, initialCash: Double, timeframe: Timeframe, trades: [Trade], stepsInMarket: Int, totalFees: Double
    ) -> PerformanceMetrics {
        var m = PerformanceMetrics()
        let values = equity.values
        let n = values.count
        let finalValue = values.last ?? initialCash
        m.finalValue = finalValue
        m.totalReturn = finalValue / initialCash - 1
        m.totalFees = totalFees
        m.exposure = n > 0 ? Double(stepsInMarket) / Double(n) : 0

        // One pass for the sum of returns and the drawdown, a second for the deviations (two
        // passes for accuracy); each accumulator sees the same operations in the same order as
        // separate loops would, so the results are bit-identical to them.
        // Drawdown: the running peak starts at the initial cash.
        var peak = initialCash
        var maxDrawdown = 0.0
        var underwater = 0
        var longest = 0
        var sum = 0.0
        values.withUnsafeBufferPointer { values in
            var previous = initialCash
            for value in values {
                sum += value / previous - 1
                previous = value
                if value >= peak {
                    peak = value
                    underwater = 0
                } else {
                    underwater += 1
                    if underwater > longest { longest = underwater }
                    let drawdown = (peak - value) / peak
                    if drawdown > maxDrawdown { maxDrawdown = drawdown }
                }
            }
        }
        m.maxDrawdown = maxDrawdown
        m.maxDrawdownDuration = longest

        // Returns' mean, sample deviation, downside deviation.
        if n >= 2 {
            let mean = sum / Double(n)
            var squares = 0.0
            var downside = 0.0
            values.withUnsafeBufferPointer { values in
                var previous = initialCash
                for value in values {
                    let r = value / previous - 1
                    squares += (r - mean) * (r - mean)
                    if r < 0 { downside += r * r }
                    previous = value
                }
            }
            let deviation = (squares / Double(n - 1)).squareRoot()
            let downsideDeviation = (downside / Double(n - 1)).squareRoot()
            let annualisation = timeframe.periodsPerYear.squareRoot()
            if deviation > 0 { m.sharpeRatio = finite(mean / deviation * annualisation) }
            if downsideDeviation > 0 { m.sortinoRatio = finite(mean / downsideDeviation * annualisation) }
        }

        // CAGR over the covered span: first open time to the last point's open time + one bar.
        if let first = equity.firstTimestamp, let last = equity.lastTimestamp {
            let years = Double(last - first + timeframe.milliseconds) / (365.0 * 86_400_000.0)
            if years > 0 {
                m.cagr = finalValue <= 0 ? -1 : finite(power(finalValue / initialCash, 1 / years) - 1)
            }
        }
        if let cagr = m.cagr, maxDrawdown > 0 { m.calmarRatio = finite(cagr / maxDrawdown) }

        // Trades (closed round trips only; open ones are counted).
        var closed = 0, wins = 0, losses = 0
        var grossProfit = 0.0, grossLoss = 0.0, total = 0.0
        var best = -Double.infinity, worst = Double.infinity
        for trade in trades {
            if trade.isOpen {
                m.openTrades += 1
                continue
            }
            closed += 1
            total += trade.pnl
            if trade.pnl > 0 { wins += 1; grossProfit += trade.pnl }
            if trade.pnl < 0 { losses += 1; grossLoss += trade.pnl }
            best = max(best, trade.pnl)
            worst = min(worst, trade.pnl)
        }
        m.totalTrades = closed
        m.winningTrades = wins
        m.losingTrades = losses
        if closed > 0 {
            m.winRate = Double(wins) / Double(closed)
            m.expectancy = total / Double(closed)
            m.bestTrade = best
            m.worstTrade = worst
        }
        if wins > 0 { m.avgWin = grossProfit / Double(wins) }
        if losses > 0 {
            m.avgLoss = grossLoss / Double(losses)
            m.profitFactor = grossProfit / -grossLoss
        }
        return m
    }
}
