import Testing
@testable import TradingCore

@Suite("Paper session: bar-by-bar stepping")
struct PaperSessionTests {
    private static let symbol = try! TradingSymbol(parsing: "BTC/USDT")

    private static func configuration(_ name: String = "MovingAverageCross", parameters: [String: ParameterValue] = ["fast_period": .int(5), "slow_period": .int(20)]) -> BacktestConfiguration {
        BacktestConfiguration(strategyName: name, parameters: parameters, symbols: [symbol], timeframe: .oneHour)
    }

    @Test("stepping every bar gives exactly the backtest's orders, trades and final value")
    func matchesBacktest() throws {
        let bars = Fixtures.regimeWalk(count: 2_000)
        let configuration = Self.configuration()
        let backtest = try runBacktest(configuration: configuration, bars: [Self.symbol: bars])
        var session = try PaperSession(configuration: configuration, startTime: bars[0].openTime)
        var orderEvents = 0
        var tradeEvents = 0
        for bar in bars {
            let processed = session.process(bar: bar, symbol: Self.symbol)
            let step = try #require(processed)
            orderEvents += step.orders.count
            tradeEvents += step.trades.count
            #expect(step.value == session.account.value)
        }
        let output = session.finish(stopped: false)
        let report = BacktestReport(runId: "paper", configuration: configuration, output: output)
        #expect(report.orderListHash == backtest.report.orderListHash)
        #expect(report.orders.count == backtest.report.orders.count)
        #expect(report.trades == backtest.report.trades)
        #expect(report.finalValue == backtest.report.finalValue)
        #expect(report.performanceMetrics.totalTrades == backtest.report.performanceMetrics.totalTrades)
        #expect(report.status == .completed)
        #expect(output.barsProcessed == bars.count)
        #expect(output.equity.count == bars.count)
        #expect(orderEvents >= report.orders.count)
        #expect(tradeEvents >= report.trades.count)
        #expect(!report.orders.isEmpty)
    }

    @Test("stale, duplicate and foreign bars are ignored")
    func ignoresBadBars() throws {
        let bars = Fixtures.regimeWalk(count: 10)
        var session = try PaperSession(configuration: Self.configuration(), startTime: bars[0].openTime)
        let first = session.process(bar: bars[1], symbol: Self.symbol)
        let duplicate = session.process(bar: bars[1], symbol: Self.symbol)
        let stale = session.process(bar: bars[0], symbol: Self.symbol)
        let foreign = session.process(bar: bars[2], symbol: try TradingSymbol(parsing: "ETH/USDT"))
        #expect(first != nil)
        #expect(duplicate == nil)
        #expect(stale == nil)
        #expect(foreign == nil)
        #expect(session.barsProcessed == 1)
        let output = session.finish(stopped: true)
        #expect(output.wasStopped)
        #expect(BacktestReport(runId: "x", configuration: Self.configuration(), output: output).status == .stopped)
    }

    @Test("unknown strategies and bad parameters are refused up front")
    func validates() {
        #expect(throws: TradingError.self) { try PaperSession(configuration: Self.configuration("Nope", parameters: [:]), startTime: 0) }
        #expect(throws: TradingError.self) {
            try PaperSession(configuration: Self.configuration(parameters: ["fast_period": .int(50), "slow_period": .int(10)]), startTime: 0)
        }
    }
}

@Suite("Paper session: risk limits at submission")
struct PaperRiskLimitTests {
    private static let symbol = try! TradingSymbol(parsing: "BTC/USDT")
    private static let configuration = BacktestConfiguration(
        strategyName: "BuyAndHold", parameters: [:], symbols: [symbol], timeframe: .oneHour, initialCash: 10_000)

    private static func firstOrder(_ limits: OrderRiskLimits) throws -> OrderRecord? {
        let bars = Fixtures.regimeWalk(count: 3)
        var session = try PaperSession(configuration: configuration, startTime: bars[0].openTime, riskLimits: limits)
        _ = session.process(bar: bars[0], symbol: symbol)
        _ = session.process(bar: bars[1], symbol: symbol)
        return session.orders.first.map { OrderRecord($0, symbols: [symbol]) }
    }

    @Test("an order over max_order_notional is rejected with the reason and never fills; under it, it fills")
    func maxOrderNotional() throws {
        // BuyAndHold spends all the cash: a 10,000 order.
        let rejected = try #require(try Self.firstOrder(OrderRiskLimits(maxOrderNotional: 5_000)))
        #expect(rejected.status == .rejected)
        #expect(rejected.reason == "risk: order notional 10000.0 exceeds max_order_notional 5000.0")
        #expect(rejected.filledQuantity == 0)
        let filled = try #require(try Self.firstOrder(OrderRiskLimits(maxOrderNotional: 10_000)))
        #expect(filled.status == .filled)
    }

    @Test("a buy that would take the position over max_position_notional is rejected")
    func maxPositionNotional() throws {
        let rejected = try #require(try Self.firstOrder(OrderRiskLimits(maxPositionNotional: 9_999.99)))
        #expect(rejected.status == .rejected)
        #expect(rejected.reason == "risk: position notional would be 10000.0, above max_position_notional 9999.99")
        #expect(try Self.firstOrder(OrderRiskLimits(maxPositionNotional: 10_000))?.status == .filled)
    }
}
