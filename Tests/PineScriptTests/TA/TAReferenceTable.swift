import Foundation
import Testing

/// One TradingView chart-data export from `tv-reference/ta/` (see that folder's README): a header
/// row (fields may be quoted) and numeric rows, `NaN` = na.
struct TAReferenceTable {
    let name: String
    let header: [String]
    let columns: [[Double]]
    var rowCount: Int { columns.first?.count ?? 0 }

    /// The reference folder: `$CRACKTRADER_TV_REFERENCE`, else `<package root>/../shared/tv-reference`.
    static var referenceRoot: String {
        if let env = ProcessInfo.processInfo.environment["CRACKTRADER_TV_REFERENCE"], !env.isEmpty { return env }
        // #filePath = <root>/Tests/PineScriptTests/TA/TAReferenceTable.swift
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/") + "/../shared/tv-reference"
    }

    /// Loads `ta/<file>`; nil (after printing a one-line notice) when the reference folder is absent.
    /// A missing file inside a present folder is a test failure, not a skip.
    static func load(_ file: String) -> TAReferenceTable? {
        let root = referenceRoot
        let path = root + "/ta/" + file
        guard FileManager.default.fileExists(atPath: root + "/ta") else {
            print("skipped: TradingView reference exports not found at \(root)/ta (\(file))")
            return nil
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("TradingView reference export \(path) is missing or unreadable")
            return nil
        }
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init)
        let header = splitCSVLine(lines.removeFirst()).map { $0.replacingOccurrences(of: "&quot;", with: "\"") }
        var cols = [[Double]](repeating: [], count: header.count)
        for line in lines where !line.isEmpty {
            let fields = splitCSVLine(line)
            for (i, f) in fields.enumerated() where i < cols.count {
                cols[i].append(f == "NaN" ? .nan : (Double(f) ?? .nan))
            }
        }
        return TAReferenceTable(name: file, header: header, columns: cols)
    }

    subscript(_ column: String) -> [Double] {
        guard let i = header.firstIndex(of: column) else {
            Issue.record("\(name): no column \(column); have \(header)")
            return []
        }
        return columns[i]
    }

    var time: [Double] { self["time"] }
    var open: [Double] { self["open"] }
    var high: [Double] { self["high"] }
    var low: [Double] { self["low"] }
    var close: [Double] { self["close"] }
    var volume: [Double] { self["Volume"] }

    static func splitCSVLine(_ line: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == "," && !quoted { out.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        out.append(cur)
        return out
    }
}

/// Tolerance used against TradingView: relative 1e-9 with an absolute floor of 1e-12.
func taClose(_ a: Double, _ b: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return abs(a - b) <= Swift.max(1e-9 * abs(b), 1e-12)
}

/// Compares `actual` with TradingView's column from row `from` on; records the first few
/// mismatches. Returns the number of rows compared.
@discardableResult
func expectMatches(_ actual: [Double], _ expected: [Double], _ label: String, from: Int = 0,
                   sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    #expect(actual.count == expected.count, "\(label): \(actual.count) values, TradingView has \(expected.count)",
            sourceLocation: sourceLocation)
    var mismatches = 0
    var compared = 0
    var worst = 0.0
    for i in from..<Swift.min(actual.count, expected.count) {
        compared += 1
        if !actual[i].isNaN && !expected[i].isNaN && expected[i] != 0 {
            worst = Swift.max(worst, abs(actual[i] - expected[i]) / abs(expected[i]))
        }
        if !taClose(actual[i], expected[i]) {
            mismatches += 1
            if mismatches <= 5 {
                Issue.record("\(label) row \(i): got \(actual[i]), TradingView \(expected[i])", sourceLocation: sourceLocation)
            }
        }
    }
    #expect(mismatches == 0, "\(label): \(mismatches) of \(compared) rows differ", sourceLocation: sourceLocation)
    let naRows = expected[Swift.min(from, expected.count)...].filter(\.isNaN).count
    #expect(compared - naRows > 0, "\(label): no non-na TradingView values compared", sourceLocation: sourceLocation)
    print("ta-reference \(label): \(compared) rows compared (\(compared - naRows) values, \(naRows) na), \(mismatches) differ, max relative difference \(worst)")
    return compared
}

func expectMatches(_ actual: [Bool], _ expected: [Double], _ label: String, trueValue: Double = 1,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    expectMatches(actual.map { $0 ? trueValue : 0 }, expected.map { $0 == trueValue ? trueValue : 0 }, label,
                  sourceLocation: sourceLocation)
}
