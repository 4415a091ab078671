#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// `cracktrader backtest --json`: the results document of `GET /api/v1/results`, plus `stats`.
struct CLIResultsDocument: Encodable {
    struct Stats: Encodable {
        let bars_processed: Int
        let engine_seconds: Double
    }

    let report: BacktestReport
    let stats: Stats?

    private enum Key: String, CodingKey { case stats }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        if let stats {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(stats, forKey: .stats)
        }
    }

    func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self))
    }
}
