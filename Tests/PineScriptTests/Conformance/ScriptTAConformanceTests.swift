import Testing
import TradingCore
@testable import PineScript

/// The `ta/` exports again, but through the whole language: each column's expression is written as
/// a Pine `indicator()` script, compiled and run, and its plot compared with TradingView's values.
/// This checks the compiler's glue (parameter names and order, overloads, tuples, sources) on top
/// of the ta structs' own tests.
@Suite("TradingView ta exports through Pine scripts")
struct ScriptTAConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var column: String
        /// Script lines after the declaration; the last one is plotted.
        var lines: [String]
        var testDescription: String { "\(file): \(column)" }
    }

    static let cases: [Case] = [
        Case(file: "ma.csv", column: "ta.sma(close, 10)", lines: ["ta.sma(close, 10)"]),
        Case(file: "ma.csv", column: "ta.sma(hl2, 20)", lines: ["ta.sma(hl2, 20)"]),
        Case(file: "ma.csv", column: "ta.ema(ohlc4, 10)", lines: ["ta.ema(ohlc4, 10)"]),
        Case(file: "ma.csv", column: "ta.rma(hlcc4, 5)", lines: ["ta.rma(hlcc4, 5)"]),
        Case(file: "ma.csv", column: "ta.alma(close, 10, 0.55, 12)", lines: ["ta.alma(close, 10, 0.55, 12)"]),
        Case(file: "ma.csv", column: "ta.wma(close, 20)", lines: ["ta.wma(close, 20)"]),
        Case(file: "ma.csv", column: "ta.hma(close, 9)", lines: ["ta.hma(close, 9)"]),
        Case(file: "macd.csv", column: "ta.macd(close, 12, 26, 9).signal", lines: ["[m, s, h] = ta.macd(close, 12, 26, 9)", "s"]),
        Case(file: "macd.csv", column: "ta.macd(close, 12, 26, 9).hist", lines: ["[m, s, h] = ta.macd(close, 12, 26, 9)", "h"]),
        Case(file: "bb.csv", column: "ta.bb(close, 20, 2).upper", lines: ["[b, u, l] = ta.bb(close, 20, 2)", "u"]),
        Case(file: "bb.csv", column: "ta.bbw(close, 20, 2.1)", lines: ["ta.bbw(close, 20, 2.1)"]),
        Case(file: "mfi+rsi+stoch.csv", column: "ta.rsi(close, 14)", lines: ["ta.rsi(close, 14)"]),
        Case(file: "mfi+rsi+stoch.csv", column: "ta.mfi(close, 14)", lines: ["ta.mfi(close, 14)"]),
        Case(file: "mfi+rsi+stoch.csv", column: "ta.stoch(close, high, low, 20)", lines: ["ta.stoch(close, high, low, 20)"]),
        Case(file: "cci+cmo+cog.csv", column: "ta.cci(close, 20)", lines: ["ta.cci(close, 20)"]),
        Case(file: "cci+cmo+cog.csv", column: "ta.cmo(close, 20)", lines: ["ta.cmo(close, 20)"]),
        Case(file: "cci+cmo+cog.csv", column: "ta.cog(close, 21)", lines: ["ta.cog(close, 21)"]),
        Case(file: "tr.csv", column: "ta.tr(true)", lines: ["ta.tr(true)"]),
        Case(file: "tr.csv", column: "ta.tr", lines: ["ta.tr"]),
        Case(file: "tr.csv", column: "ta.atr(14)", lines: ["ta.atr(14)"]),
        Case(file: "wpr.csv", column: "ta.wpr(20)", lines: ["ta.wpr(20)"]),
        Case(file: "linreg.csv", column: "ta.linreg(close, 20, 10)", lines: ["ta.linreg(close, 20, 10)"]),
        Case(file: "tsi.csv", column: "ta.tsi(close, 12, 26)", lines: ["ta.tsi(close, 12, 26)"]),
        Case(file: "range.csv", column: "ta.range(close, 20)", lines: ["ta.range(close, 20)"]),
        Case(file: "ppp.csv", column: "ta.percentrank(close, 33)", lines: ["ta.percentrank(close, 33)"]),
        // The README: both percentile columns were computed with percentage 20.
        Case(file: "ppp.csv", column: "ta.percentile_linear_interpolation(close, 20, 30)", lines: ["ta.percentile_linear_interpolation(close, 20, 20)"]),
        Case(file: "correlation.csv", column: "correlation", lines: ["ta.correlation(ta.sma(close, 20), ta.ema(close, 10), 20)"]),
        Case(file: "valuewhen.csv", column: "ta.valuewhen(ta.cross(slow, fast), close, 1)",
             lines: ["slow = ta.sma(close, 7)", "fast = ta.sma(close, 14)", "ta.valuewhen(ta.cross(slow, fast), close, 1)"]),
        Case(file: "valuewhen_na.csv", column: "v1",
             lines: ["cond = bar_index % 3 == 0", "src = bar_index % 2 == 0 ? na : close", "ta.valuewhen(cond, src, 1)"]),
        Case(file: "highest+lowest.csv", column: "ta.highest(10)", lines: ["ta.highest(10)"]),
        Case(file: "highest+lowest.csv", column: "ta.lowestbars(close, 10)", lines: ["ta.lowestbars(close, 10)"]),
        Case(file: "accdist+pvi+pvt+wad+wvad.csv", column: "ta.accdist", lines: ["ta.accdist"]),
        Case(file: "accdist+pvi+pvt+wad+wvad.csv", column: "ta.wvad", lines: ["ta.wvad"]),
        Case(file: "iii+nvi+obv.csv", column: "ta.obv", lines: ["ta.obv"]),
        Case(file: "iii+nvi+obv.csv", column: "ta.nvi", lines: ["ta.nvi"]),
        Case(file: "rci.csv", column: "ta.rci(hl2, 20)", lines: ["ta.rci(hl2, 20)"]),
        Case(file: "min+max+median+mode.csv", column: "max(close)", lines: ["ta.max(close)"]),
        Case(file: "min+max+median+mode.csv", column: "median(close)", lines: ["ta.median(close, 20)"]),
        // Through a user function with its own series state, and the history operator.
        Case(file: "ma.csv", column: "ta.sma(close, 10)", lines: ["f(src, len) =>", "    ta.sma(src, len)", "f(close, 10)[1]"]),
    ]

    @Test(arguments: cases)
    func column(_ testCase: Case) throws {
        guard let table = TAReferenceTable.load(testCase.file) else { return }
        guard let columnIndex = table.header.firstIndex(of: testCase.column) else {
            Issue.record("no column '\(testCase.column)' in \(testCase.file): \(table.header)")
            return
        }
        func column(_ name: String) -> [Double] { table.columns[table.header.firstIndex(of: name)!] }
        let time = column("time"), open = column("open"), high = column("high"), low = column("low"), close = column("close")
        let volume = column("Volume")
        let bars = time.indices.map { Bar(openTime: Int64(time[$0]) * 1000, open: open[$0], high: high[$0], low: low[$0], close: close[$0], volume: volume[$0]) }
        var lines = testCase.lines
        let last = lines.removeLast()
        let source = (["//@version=5", "indicator(\"conformance\")"] + lines + ["plot(\(last), \"out\")"]).joined(separator: "\n")
        let result = try PineProgram(source: source).run(bars: bars)
        var expected = table.columns[columnIndex]
        if testCase.lines.last == "f(close, 10)[1]" { expected = [.nan] + expected.dropLast() }
        expectMatches(result.plots[0].values, expected, "\(testCase.file) \(testCase.column) via script")
    }
}
