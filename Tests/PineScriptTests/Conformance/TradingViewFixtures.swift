import Foundation
import Testing
import MarketData
import TradingCore

/// Reads `tv-reference/strategy/` (bars, scripts, List of Trades exports) for the conformance suite.
enum TradingViewFixtures {
    static var root: String { TAReferenceTable.referenceRoot }

    /// nil, after printing a one-line notice, when the reference folder is absent. A file missing
    /// from a folder that is there (or from the folder CI names in CRACKTRADER_TV_REFERENCE) fails.
    static func text(_ relative: String) -> String? {
        let path = root + "/" + relative
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            let folderExists = (try? FileManager.default.contentsOfDirectory(atPath: root)) != nil
            if folderExists || ProcessInfo.processInfo.environment["CRACKTRADER_TV_REFERENCE"] != nil {
                Issue.record("TradingView reference export missing: \(path)")
            } else {
                print("skipped: TradingView reference exports not found at \(path)")
            }
            return nil
        }
        return text
    }

    static func bars() throws -> [Bar]? {
        guard text("strategy/ohlcv.csv") != nil else { return nil }
        return try CandleCSVParser.parse(contentsOf: root + "/strategy/ohlcv.csv").bars
    }

    /// One row of a "List of Trades" export.
    struct TradeRow: Equatable, CustomStringConvertible {
        var number: Int
        var type: String
        /// Unix milliseconds (the export's New York time with its offset, converted).
        var time: Int64
        var signal: String
        var price: Double
        var quantity: Double
        var netProfit: Double

        var description: String { "#\(number) \(type) \(ISO8601Timestamp.string(fromMilliseconds: time)) \(signal) \(price) x\(quantity) pnl \(netProfit)" }
    }

    static func trades(_ file: String) -> [TradeRow]? {
        guard let text = text("strategy/" + file) else { return nil }
        var rows: [TradeRow] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 8, let number = Int(fields[0]) else { continue }
            // 2022-01-05T17:00:00-0500: insert the colon the ISO parser expects in the offset.
            var stamp = fields[2]
            if stamp.count == 24 { stamp.insert(":", at: stamp.index(stamp.startIndex, offsetBy: 22)) }
            guard let time = try? CandleCSVParser.parse(text: "time,open,high,low,close,volume\n\(stamp),1,1,1,1,1").bars.first?.openTime else { continue }
            rows.append(TradeRow(number: number, type: fields[1], time: time, signal: fields[3], price: Double(fields[4]) ?? .nan,
                                 quantity: Double(fields[5]) ?? .nan, netProfit: Double(fields[7]) ?? .nan))
        }
        return rows
    }

}
