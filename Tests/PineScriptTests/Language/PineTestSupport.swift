import Testing
import TradingCore
@testable import PineScript

/// Bars whose close is 1, 2, 3, … (open = close − 0.5, high = close + 1, low = close − 1), hourly.
func countingBars(_ count: Int) -> [Bar] {
    (0..<count).map { i in
        let close = Double(i + 1)
        return Bar(openTime: Int64(i) * 3_600_000, open: close - 0.5, high: close + 1, low: close - 1, close: close, volume: 100)
    }
}

/// Runs an indicator whose body is `lines` and returns its plots by title.
func plots(_ lines: [String], version: Int = 5, bars: [Bar] = countingBars(6), inputs: [String: String] = [:]) throws -> [String: [Double]] {
    let source = (["//@version=\(version)", "indicator(\"test\")"] + lines).joined(separator: "\n")
    let result = try PineProgram(source: source, inputs: inputs).run(bars: bars)
    var byTitle: [String: [Double]] = [:]
    for plot in result.plots { byTitle[plot.title] = plot.values }
    return byTitle
}

/// The diagnostics of a script that must not compile.
func diagnostics(_ source: String, inputs: [String: String] = [:]) -> [PineDiagnostic] {
    do {
        _ = try PineProgram(source: source, inputs: inputs)
        Issue.record("expected the script not to compile")
        return []
    } catch {
        return error.diagnostics
    }
}

/// Equal, with na equal to na.
func same(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.isNaN && $1.isNaN || $0 == $1 }
}

let na = Double.nan
