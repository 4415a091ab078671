import Testing
@testable import TradingCore

@Suite("Result document")
struct ReportTests {
    @Test func iso8601RoundTrip() {
        #expect(ISO8601Timestamp.string(fromMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Timestamp.string(fromMilliseconds: 1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(ISO8601Timestamp.string(fromMilliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(ISO8601Timestamp.string(fromMilliseconds: -1) == "1969-12-31T23:59:59.999Z")
        for ms: Int64 in [0, 1, 951_782_400_000, 1_700_000_000_123, 4_102_444_800_000, -86_400_001] {
            #expect(ISO8601Timestamp.milliseconds(from: ISO8601Timestamp.string(fromMilliseconds: ms)) == ms)
        }
        #expect(ISO8601Timestamp.milliseconds(from: "2024-01-02T03:04:05Z") == 1_704_164_645_000)
        #expect(ISO8601Timestamp.milliseconds(from: "2024-01-02T03:04:05.5+00:00") == 1_704_164_645_500)
        #expect(ISO8601Timestamp.milliseconds(from: "2024-13-02T03:04:05Z") == nil)
        #expect(ISO8601Timestamp.milliseconds(from: "yesterday") == nil)
    }

    @Test func fnv1aKnownVectors() {
        #expect(FNV1a.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func jsonIsByteIdenticalAndSnakeCase() throws {
        let bars = Fixtures.regimeWalk(count: 600)
        let config = BacktestConfiguration(strategyName: "MovingAverageCross", parameters: ["fast_period": .int(5), "slow_period": .int(20)],
                                           symbols: [Fixtures.btc], timeframe: .oneHour)
        let first = try runBacktest(configuration: config, bars: [Fixtures.btc: bars]).report
        let second = try runBacktest(configuration: config, bars: [Fixtures.btc: bars]).report
        #expect(first.jsonData() == second.jsonData())
        #expect(first.runId == second.runId && first.runId.count == 16)
        let text = String(decoding: first.jsonData(), as: UTF8.self)
        for key in ["run_id", "config", "status", "start_time", "end_time", "orders", "trades", "positions", "equity_curve",
                    "performance_metrics", "final_value", "error", "total_return", "sharpe_ratio", "max_drawdown", "win_rate",
                    "total_trades", "strategy_name", "strategy_params", "initial_cash", "fill_at", "average_fill_price", "entry_time"] {
            #expect(text.contains("\"\(key)\":"), "\(key)")
        }
        #expect(text.contains("\"symbols\":[\"BTC/USDT\"]"))
        #expect(first.startTime == ISO8601Timestamp.string(fromMilliseconds: bars[0].openTime))
        #expect(first.endTime == ISO8601Timestamp.string(fromMilliseconds: bars[599].openTime))
        #expect(first.status == .completed)
        // The document decodes and re-encodes to the same bytes.
        let decoded = try BacktestReport.decode(json: first.jsonData())
        #expect(decoded.jsonData() == first.jsonData())
        #expect(decoded.performanceMetrics == first.performanceMetrics)
        // A different input gives a different run id.
        var other = config
        other.initialCash = 20_000
        #expect(try runBacktest(configuration: other, bars: [Fixtures.btc: bars]).report.runId != first.runId)
    }

    @Test func equityCurveLimitThinsThePoints() throws {
        let bars = Fixtures.regimeWalk(count: 1_000)
        let config = BacktestConfiguration(strategyName: "BuyAndHold", symbols: [Fixtures.btc], timeframe: .oneHour)
        let report = try runBacktest(configuration: config, bars: [Fixtures.btc: bars], equityCurveLimit: 100).report
        #expect(report.equityCurve.count <= 101)
        #expect(report.equityCurve.last?.timestamp == ISO8601Timestamp.string(fromMilliseconds: bars[999].openTime))
        #expect(report.performanceMetrics.exposure > 0.99)
    }

    @Test func configurationDecodesWithDefaults() throws {
        let json = #"{"strategy_name":"MovingAverageCross","strategy_params":{"fast_period":5},"symbols":["BTC/USDT"],"timeframe":"1h"}"#
        let config = try JSONDecoderShim.decode(BacktestConfiguration.self, json)
        #expect(config.initialCash == 10_000 && config.commission == 0.001 && config.fillAt == .nextOpen)
        #expect(config.parameters == ["fast_period": .int(5)])
    }
}
