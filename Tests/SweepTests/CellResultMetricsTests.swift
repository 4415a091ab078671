import Testing
@testable import Sweep
@testable import TradingCore

/// A cell's `performance_metrics` is built directly; it must equal encoding with `JSONEncoder`
/// and parsing the text back, which is what it replaced.
@Suite("Cell result metrics")
struct CellResultMetricsTests {
    @Test func directMetricsEqualEncodeThenParse() {
        let cases: [PerformanceMetrics] = [
            PerformanceMetrics(),
            PerformanceMetrics(totalReturn: 0.1234, finalValue: 11_234, cagr: 2.0, sharpeRatio: -0.0, sortinoRatio: 1e-7,
                               maxDrawdown: 0.5, maxDrawdownDuration: 17, calmarRatio: 1e16, totalTrades: 3, openTrades: 1,
                               winningTrades: 2, losingTrades: 1, winRate: 2.0 / 3, profitFactor: 3, avgWin: 12.5, avgLoss: -4,
                               expectancy: 0.1 + 0.2, bestTrade: 999_999_999_999_999, worstTrade: -123_456_789_012_345_678,
                               exposure: 1, totalFees: 5e-324),
            PerformanceMetrics(totalReturn: .nan, finalValue: .infinity, cagr: -.infinity),
        ]
        for metrics in cases {
            #expect(CellResult.metricsJSON(metrics) == CellResult.metricsJSONThroughEncoder(metrics))
            #expect(CellResult.metricsJSON(metrics).canonicalText == CellResult.metricsJSONThroughEncoder(metrics).canonicalText)
        }
    }
}
