import PineScript
import TradingCore

/// The terminal report of a script run: the Strategy Tester's overview figures and the last trades,
/// or for an indicator its plots' last values.
enum ScriptSummary {
    static func render(program: PineProgram, result: PineRunResult, bars: [Bar], seconds: Double) -> String {
        var lines: [String] = []
        let kind = result.declaration.kind.rawValue
        lines.append("\(result.declaration.title.isEmpty ? "(untitled)" : result.declaration.title) — Pine v\(program.version) \(kind)")
        if let first = bars.first, let last = bars.last {
            lines.append("bars           \(bars.count) (\(ISO8601Timestamp.string(fromMilliseconds: first.openTime)) … \(ISO8601Timestamp.string(fromMilliseconds: last.openTime)))")
        }
        for input in program.inputs {
            lines.append("input          \(input.title) = \(input.value)\(input.value == input.defaultValue ? "" : " (default \(input.defaultValue))")")
        }
        if let s = result.statistics {
            func money(_ x: Double) -> String { PineNumberText.text(x, maxDecimals: 6) }
            let decided = s.winningTrades + s.losingTrades + s.evenTrades
            lines.append("net profit     \(money(s.netProfit)) (\(PineNumberText.text(s.initialCapital == 0 ? 0 : s.netProfit / s.initialCapital * 100, maxDecimals: 2)) %)")
            lines.append("gross profit   \(money(s.grossProfit))")
            lines.append("gross loss     \(money(s.grossLoss))")
            lines.append("max drawdown   \(money(s.maxDrawdown))")
            lines.append("closed trades  \(s.closedTrades) (won \(s.winningTrades), lost \(s.losingTrades), even \(s.evenTrades)\(decided == 0 ? "" : ", \(PineNumberText.text(Double(s.winningTrades) / Double(decided) * 100, maxDecimals: 2)) % profitable"))")
            lines.append("open trades    \(result.openTrades.count), open profit \(money(s.openProfit))")
            let list = PineTradeList(result: result, lastBar: bars.last)
            if !list.rows.isEmpty {
                lines.append("")
                lines.append("last trades (all of them with --trades-csv FILE or --json):")
                for row in list.rows.suffix(10) {
                    lines.append("  #\(row.tradeNumber) \(row.type.padding(11)) \(ISO8601Timestamp.string(fromMilliseconds: row.time)) \(row.signal.padding(14)) \(PineNumberText.text(row.price)) x \(PineNumberText.text(row.quantity)) P&L \(PineNumberText.text(row.netProfit, maxDecimals: 6))")
                }
            }
        }
        if !result.plots.isEmpty {
            lines.append("")
            lines.append("plots (last value):")
            for plot in result.plots {
                lines.append("  \(plot.title.padding(20)) \(plot.values.last.map { $0.isNaN ? "na" : PineNumberText.text($0, maxDecimals: 8) } ?? "na")")
            }
        }
        lines.append("")
        lines.append("ran in \(PineNumberText.text(seconds, maxDecimals: 3)) s (\(seconds > 0 ? String(Int(Double(bars.count) / seconds)) : "-") bars/s)")
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
