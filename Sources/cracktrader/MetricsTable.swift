import TradingCore

/// The short, readable summary `cracktrader backtest` prints without `--json`.
enum MetricsTable {
    static func render(report: BacktestReport, engineSeconds: Double) -> String {
        let metrics = report.performanceMetrics
        let config = report.config
        var rows: [(String, String)] = [
            ("Strategy", config.strategyName),
            ("Markets", config.symbols.map(\.description).joined(separator: ", ") + " @ " + config.timeframe.rawValue),
            ("Period", "\(report.startTime ?? "—") → \(report.endTime ?? "—")"),
            ("Status", report.status.rawValue),
            ("", ""),
            ("Initial cash", money(config.initialCash)),
            ("Final value", money(metrics.finalValue)),
            ("Total return", percent(metrics.totalReturn)),
            ("CAGR", percent(metrics.cagr)),
            ("Sharpe ratio", ratio(metrics.sharpeRatio)),
            ("Sortino ratio", ratio(metrics.sortinoRatio)),
            ("Max drawdown", percent(metrics.maxDrawdown)),
            ("Max drawdown duration", "\(metrics.maxDrawdownDuration) bars"),
            ("Calmar ratio", ratio(metrics.calmarRatio)),
            ("", ""),
            ("Closed trades", String(metrics.totalTrades)),
            ("Open trades", String(metrics.openTrades)),
            ("Win rate", percent(metrics.winRate)),
            ("Profit factor", ratio(metrics.profitFactor)),
            ("Average win", money(metrics.avgWin)),
            ("Average loss", money(metrics.avgLoss)),
            ("Expectancy", money(metrics.expectancy)),
            ("Best trade", money(metrics.bestTrade)),
            ("Worst trade", money(metrics.worstTrade)),
            ("Exposure", percent(metrics.exposure)),
            ("Fees paid", money(metrics.totalFees)),
            ("", ""),
            ("Bars processed", String(report.barsProcessed)),
            ("Engine time", fixed(engineSeconds * 1000, 1) + " ms"),
        ]
        if let error = report.error { rows.append(("Error", error)) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in
            label.isEmpty ? "" : label + String(repeating: " ", count: width - label.count) + "  " + value
        }.joined(separator: "\n")
    }

    static func money(_ value: Double?) -> String { value.map { fixed($0, 2) } ?? "—" }
    static func percent(_ value: Double?) -> String { value.map { fixed($0 * 100, 2) + " %" } ?? "—" }
    static func ratio(_ value: Double?) -> String { value.map { fixed($0, 3) } ?? "—" }

    /// Fixed-point formatting without Foundation's formatters.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "—" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        let integerPart = Int64(rounded / scale)
        let fraction = Int64(rounded - Double(integerPart) * scale)
        var text = String(integerPart)
        if digits > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return (value < 0 && rounded != 0 ? "-" : "") + text
    }
}
