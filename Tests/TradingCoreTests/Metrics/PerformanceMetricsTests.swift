import Testing
@testable import TradingCore

@Suite("Performance metrics")
struct PerformanceMetricsTests {
    static func trade(_ pnl: Double, open: Bool = false) -> Trade {
        var trade = Trade(id: 1, symbol: 0, entryTime: 0, exitTime: open ? nil : 1, entryPrice: 100, exitPrice: open ? nil : 101,
                          quantity: 1, fees: 0.5)
        trade.pnl = pnl
        trade.isOpen = open
        return trade
    }

    @Test func handComputedCurve() {
        let day = Timeframe.oneDay.milliseconds
        let curve = EquityCurve(timestamps: [0, day, 2 * day], values: [10_100, 9_999, 10_200], cash: [10_100, 9_999, 10_200])
        let m = PerformanceMetrics.compute(equity: curve, initialCash: 10_000, timeframe: .oneDay, trades: [], stepsInMarket: 2, totalFees: 3)
        let r = [10_100.0 / 10_000 - 1, 9_999.0 / 10_100 - 1, 10_200.0 / 9_999 - 1]
        let mean = (r[0] + r[1] + r[2]) / 3
        let sd = (((r[0] - mean) * (r[0] - mean) + (r[1] - mean) * (r[1] - mean) + (r[2] - mean) * (r[2] - mean)) / 2).squareRoot()
        let downside = ((r[1] * r[1]) / 2).squareRoot()
        #expect(abs(m.sharpeRatio! - mean / sd * 365.0.squareRoot()) < 1e-12)
        #expect(abs(m.sortinoRatio! - mean / downside * 365.0.squareRoot()) < 1e-12)
        #expect(abs(m.totalReturn - 0.02) < 1e-15)
        #expect(m.finalValue == 10_200)
        #expect(abs(m.maxDrawdown - 101.0 / 10_100) < 1e-15)
        #expect(m.maxDrawdownDuration == 1)
        let cagr = power(1.02, 365.0 / 3) - 1
        #expect(abs(m.cagr! - cagr) < 1e-9)
        #expect(abs(m.calmarRatio! - cagr / (101.0 / 10_100)) < 1e-6)
        #expect(abs(m.exposure - 2.0 / 3) < 1e-15)
        #expect(m.totalFees == 3)
    }

    @Test func drawdownDurationCountsLongestUnderwaterRun() {
        // Peak 110 at point 1, underwater for points 2, 3, 4, recovers at 5; a later 1-point dip.
        let values: [Double] = [105, 110, 100, 90, 109, 111, 110, 112]
        let curve = EquityCurve(timestamps: Array(0..<Int64(values.count)), values: values, cash: values)
        let m = PerformanceMetrics.compute(equity: curve, initialCash: 100, timeframe: .oneHour, trades: [], stepsInMarket: 0, totalFees: 0)
        #expect(m.maxDrawdownDuration == 3)
        #expect(abs(m.maxDrawdown - 20.0 / 110) < 1e-15)
    }

    @Test func tradeStatistics() {
        let trades = [Self.trade(100), Self.trade(-50), Self.trade(0), Self.trade(30), Self.trade(999, open: true)]
        let m = PerformanceMetrics.compute(equity: EquityCurve(timestamps: [], values: [], cash: []), initialCash: 1_000,
                                           timeframe: .oneHour, trades: trades, stepsInMarket: 0, totalFees: 0)
        #expect(m.totalTrades == 4 && m.openTrades == 1)
        #expect(m.winningTrades == 2 && m.losingTrades == 1)
        #expect(m.winRate == 0.5)
        #expect(m.profitFactor == 130.0 / 50)
        #expect(m.avgWin == 65 && m.avgLoss == -50)
        #expect(m.expectancy == 20)
        #expect(m.bestTrade == 100 && m.worstTrade == -50)
    }

    @Test func edgeCasesAreNullNotInfinite() {
        // No bars, no trades.
        let empty = PerformanceMetrics.compute(equity: EquityCurve(timestamps: [], values: [], cash: []), initialCash: 1_000,
                                               timeframe: .oneHour, trades: [], stepsInMarket: 0, totalFees: 0)
        #expect(empty.totalReturn == 0 && empty.finalValue == 1_000 && empty.exposure == 0)
        #expect(empty.sharpeRatio == nil && empty.sortinoRatio == nil && empty.cagr == nil && empty.calmarRatio == nil)
        #expect(empty.winRate == nil && empty.profitFactor == nil && empty.expectancy == nil && empty.bestTrade == nil)
        // Flat equity: zero deviation → null Sharpe; no losses → null profit factor.
        let flat = EquityCurve(timestamps: [0, 1, 2], values: [1_000, 1_000, 1_000], cash: [1_000, 1_000, 1_000])
        let m = PerformanceMetrics.compute(equity: flat, initialCash: 1_000, timeframe: .oneHour, trades: [Self.trade(5)], stepsInMarket: 0, totalFees: 0)
        #expect(m.sharpeRatio == nil && m.sortinoRatio == nil && m.maxDrawdown == 0 && m.calmarRatio == nil)
        #expect(m.profitFactor == nil && m.avgLoss == nil && m.winRate == 1)
        // Only rising: Sortino undefined.
        let up = EquityCurve(timestamps: [0, 1, 2], values: [1_010, 1_030, 1_031], cash: [0, 0, 0])
        let u = PerformanceMetrics.compute(equity: up, initialCash: 1_000, timeframe: .oneHour, trades: [], stepsInMarket: 3, totalFees: 0)
        #expect(u.sortinoRatio == nil && u.sharpeRatio != nil)
    }

    @Test func nullsAreEncodedExplicitly() throws {
        let report = BacktestReport.failed(
            runId: "x", configuration: BacktestConfiguration(strategyName: "BuyAndHold", symbols: [Fixtures.btc], timeframe: .oneHour),
            error: TradingError(code: .dataUnavailable, message: "no data"))
        let text = String(decoding: report.jsonData(), as: UTF8.self)
        #expect(text.contains(#""sharpe_ratio":null"#))
        #expect(text.contains(#""error":"no data""#))
        #expect(text.contains(#""status":"failed""#))
        #expect(!text.contains("nan") && !text.contains("inf"))
    }
}
