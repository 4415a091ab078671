import Foundation
import Testing
import TradingCore
@testable import PineScript

/// The three Strategy Tester exports in `tv-reference/strategy/`, reproduced row by row: trade
/// number, type, time, signal, price and quantity exactly; P&L within TradingView's rounding.
@Suite("TradingView strategy conformance")
struct StrategyConformanceTests {
    static let environment = PineEnvironment(ticker: "EURUSD", minTick: 0.00001, quantityStep: 1, timeframe: .oneHour)

    /// Our rows, as the shipped `--trades-csv` builds them (PineTradeList).
    static func exportRows(_ result: PineRunResult, bars: [Bar]) -> [TradingViewFixtures.TradeRow] {
        PineTradeList(result: result, lastBar: bars.last).rows.map {
            .init(number: $0.tradeNumber, type: $0.type, time: $0.time, signal: $0.signal, price: $0.price,
                  quantity: $0.quantity, netProfit: $0.netProfit)
        }
    }

    static func check(script: String, export: String) throws {
        guard let source = TradingViewFixtures.text("pine/" + script),
              let expected = TradingViewFixtures.trades(export),
              let bars = try TradingViewFixtures.bars() else { return }
        let program = try PineProgram(source: source, environment: environment)
        let result = try program.run(bars: bars)
        let actual = exportRows(result, bars: bars)
        #expect(actual.count == expected.count, "\(script): \(actual.count) rows, TradingView has \(expected.count)")
        var mismatches = 0
        for (ours, theirs) in zip(actual, expected) {
            let same = ours.number == theirs.number && ours.type == theirs.type && ours.time == theirs.time
                && ours.signal == theirs.signal && abs(ours.price - theirs.price) < 1e-9 && ours.quantity == theirs.quantity
                && PnL.matches(ours.netProfit, theirs.netProfit)
            if !same {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(script): ours \(ours) vs TradingView \(theirs)") }
            }
        }
        #expect(mismatches == 0, "\(script): \(mismatches) of \(expected.count) rows differ")
    }

    @Test func rsiStrategy() throws { try Self.check(script: "rsi.pine", export: "rsi_trades.csv") }
    @Test func macdStrategy() throws { try Self.check(script: "macd.pine", export: "macd_trades.csv") }
    @Test func slippageBasic() throws { try Self.check(script: "slippage_basic.pine", export: "slippage_basic_trades.csv") }
}

/// TradingView's export rounds P&L to 2 decimals, or to the first decimal place that is not zero
/// when that is smaller (0.00536 → 0.01, -0.00166 → -0.002, -0.00032 → -0.0003). Ours must round to
/// the same figure (one unit of that last place apart at most, for values on a rounding edge).
enum PnL {
    static func rounded(_ x: Double) -> (value: Double, unit: Double) {
        // 1.1331 - 1.1326 is 0.000499999999999945 in binary floating point; TradingView shows 0.001.
        // Rounding to 12 significant digits first removes that representation error.
        let x = significant(x, digits: 12)
        var unit = 0.01
        while unit > 1e-12 {
            let value = (x / unit).rounded(.toNearestOrAwayFromZero) * unit
            if value != 0 { return (value, unit) }
            unit /= 10
        }
        return (0, unit)
    }

    static func significant(_ x: Double, digits: Int) -> Double {
        guard x != 0, x.isFinite else { return x }
        var scale = 1.0
        while abs(x) * scale < pow(10, Double(digits - 1)) { scale *= 10 }
        while abs(x) * scale >= pow(10, Double(digits)) { scale /= 10 }
        return (x * scale).rounded() / scale
    }

    static func matches(_ ours: Double, _ theirs: Double) -> Bool {
        let (value, unit) = rounded(ours)
        return abs(value - theirs) <= unit * 1.000001
    }
}
