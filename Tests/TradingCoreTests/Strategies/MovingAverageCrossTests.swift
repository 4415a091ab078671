import Testing
@testable import TradingCore

/// Hand-checked MovingAverageCross(fast 2, slow 3) on ten bars.
///
/// | i | open | close | SMA2 | SMA3   | fast−slow | signal            |
/// |---|------|-------|------|--------|-----------|-------------------|
/// | 2 | 9    | 8     | 8.5  | 9      | −0.5      | (first ready)     |
/// | 3 | 8    | 9     | 8.5  | 8.667  | −         |                   |
/// | 4 | 9    | 11    | 10   | 9.333  | +         | cross up → buy    |
/// | 5 | 11.5 | 12    | 11.5 | 10.667 | +         | buy fills @ 11.5  |
/// | 6 | 12   | 10    | 11   | 11     | 0 (tie)   | nothing           |
/// | 7 | 10   | 9     | 9.5  | 10.333 | −         | cross down → sell |
/// | 8 | 9.5  | 10    | 9.5  | 9.667  | −         | sell fills @ 9.5  |
/// | 9 | 10   | 12    | 11   | 10.333 | +         | cross up → buy (never fills: no bar 10) |
@Suite("MovingAverageCross, hand-checked")
struct MovingAverageCrossTests {
    static let pairs: [(Double, Double)] = [(10, 10), (10, 9), (9, 8), (8, 9), (9, 11), (11.5, 12), (12, 10), (10, 9), (9.5, 10), (10, 12)]

    static func run(fillAt: FillTiming = .nextOpen, parameters: [String: ParameterValue] = ["fast_period": .int(2), "slow_period": .int(3)],
                    pairs: [(Double, Double)] = pairs, slippage: Double = 0) throws -> BacktestResult {
        let config = BacktestConfiguration(strategyName: "MovingAverageCross", parameters: parameters,
                                           symbols: [Fixtures.btc], timeframe: .oneHour, slippageBps: slippage, fillAt: fillAt)
        return try runBacktest(configuration: config, bars: [Fixtures.btc: Fixtures.bars(pairs)])
    }

    @Test func nextOpenFillsExactly() throws {
        let result = try Self.run()
        let orders = result.output.orders
        #expect(orders.count == 3)
        let buy = orders[0], sell = orders[1], pending = orders[2]
        // Buy: signal at bar 4's close, fills at bar 5's open.
        #expect(buy.createdAt == Fixtures.start + 4 * Fixtures.hour)
        #expect(buy.updatedAt == Fixtures.start + 5 * Fixtures.hour)
        #expect(buy.averageFillPrice == 11.5)
        // quantity = cash / (price × (1 + commission)), stepped down by an ulp when rounding
        // would make the cost exceed the cash.
        let formula = 10_000 / (11.5 * 1.001)
        let quantity = buy.filledQuantity
        #expect(quantity == formula || quantity == formula.nextDown)
        #expect(quantity == SimulatedBroker.affordableQuantity(cash: 10_000, available: 10_000, price: 11.5, rate: 0.001))
        #expect(abs(quantity * 11.5 * 1.001 - 10_000) < 1e-9)
        #expect(abs(buy.fees - quantity * 11.5 * 0.001) < 1e-12)
        // Sell: signal at bar 7's close, fills at bar 8's open, whole position.
        #expect(sell.side == .sell && sell.status == .filled)
        #expect(sell.updatedAt == Fixtures.start + 8 * Fixtures.hour)
        #expect(sell.averageFillPrice == 9.5)
        #expect(sell.filledQuantity == quantity)
        // The last cross-up order is still working at the end (no bar 10).
        #expect(pending.side == .buy && pending.status == .accepted)

        let cashAfterBuy = 10_000 - (quantity * 11.5 + quantity * 11.5 * 0.001)
        let proceeds = quantity * 9.5 - quantity * 9.5 * 0.001
        let finalCash = cashAfterBuy + proceeds
        #expect(abs(result.output.account.cash - finalCash) < 1e-9)
        #expect(abs(result.report.finalValue - finalCash) < 1e-9)
        #expect(abs(result.output.account.totalFees - (quantity * 11.5 * 0.001 + quantity * 9.5 * 0.001)) < 1e-12)
        #expect(cashAfterBuy >= 0 && cashAfterBuy < 1e-9)

        // Equity: bar 5 is valued at its close with the position.
        let values = result.output.equity.values
        #expect(values[4] == 10_000)
        #expect(abs(values[5] - (cashAfterBuy + quantity * 12)) < 1e-9)
        #expect(abs(values[7] - (cashAfterBuy + quantity * 9)) < 1e-9)

        let trades = result.output.trades
        #expect(trades.count == 1)
        #expect(trades[0].entryPrice == 11.5 && trades[0].exitPrice == 9.5)
        #expect(abs(trades[0].pnl - (finalCash - 10_000)) < 1e-9)
        let metrics = result.report.performanceMetrics
        #expect(metrics.totalTrades == 1 && metrics.openTrades == 0)
        #expect(metrics.winRate == 0)
        #expect(metrics.exposure == 0.3)  // bars 5, 6, 7
    }

    @Test func fillAtCloseFillsOnTheSignalBar() throws {
        let result = try Self.run(fillAt: .close)
        let orders = result.output.orders
        #expect(orders.count == 3)
        #expect(orders[0].averageFillPrice == 11)  // bar 4's close
        #expect(orders[1].averageFillPrice == 9)  // bar 7's close
        #expect(orders[2].averageFillPrice == 12 && orders[2].status == .filled)  // bar 9's close
        #expect(abs(orders[0].filledQuantity * 11 * 1.001 - 10_000) < 1e-9)
        #expect(result.output.trades.count == 2)
        #expect(result.output.trades[1].isOpen)
        #expect(result.report.performanceMetrics.openTrades == 1)
        // The open position is valued at the last close, not liquidated.
        let position = result.output.account.positions[0]
        #expect(position.quantity > 0)
        #expect(abs(result.report.finalValue - (result.output.account.cash + position.quantity * 12)) < 1e-9)
    }

    @Test func exactTieNeitherCreatesNorLosesSignal() throws {
        // Closes 13, 12, 11: SMA2 11.5 vs SMA3 12 (−).
        // i=3 close 13: SMA2 = 12, SMA3 = 12 → exact tie, no signal, sign stays negative;
        // i=4 close 14: SMA2 = 13.5, SMA3 = 12.667 → cross up at 4 (the tie did not lose it).
        let closes: [Double] = [13, 12, 11, 13, 14, 14]
        let pairs = closes.map { ($0, $0) }
        let result = try Self.run(pairs: pairs)
        #expect(result.output.orders.count == 1)
        #expect(result.output.orders[0].createdAt == Fixtures.start + 4 * Fixtures.hour)
        #expect(result.output.orders[0].averageFillPrice == 14)
    }

    @Test func slippageAppliesToSizingPrice() throws {
        let result = try Self.run(slippage: 20)
        let buy = result.output.orders[0]
        let price = 11.5 * (1 + 20.0 / 10_000)
        #expect(buy.averageFillPrice == price)
        #expect(abs(buy.filledQuantity * price * 1.001 - 10_000) < 1e-9)
        #expect(result.output.orders[1].averageFillPrice == 9.5 * (1 - 20.0 / 10_000))
    }

    @Test func bracketStopLossExitsBeforeCrossDown() throws {
        // Entry at bar 5 open 11.5; stop at 11.5 × 0.9 = 10.35: bar 6 (low 9) hits it.
        let result = try Self.run(parameters: ["fast_period": .int(2), "slow_period": .int(3), "stop_loss": .float(0.1), "take_profit": .float(0.5)])
        let orders = result.output.orders
        let stop = orders.first { $0.type == .stop }!
        let target = orders.first { $0.type == .limit }!
        #expect(stop.status == .filled)
        #expect(stop.averageFillPrice == 11.5 * 0.9)
        #expect(stop.updatedAt == Fixtures.start + 6 * Fixtures.hour)
        #expect(target.status == .cancelled)
        // The cross down at bar 7 finds no position: no sell order is sent.
        #expect(orders.filter { $0.side == .sell && $0.type == .market }.isEmpty)
    }

    @Test func fastMustBeBelowSlow() {
        #expect(throws: TradingError.self) {
            try StrategyRegistry.validate(name: "MovingAverageCross", parameters: ["fast_period": .int(30), "slow_period": .int(30)])
        }
        do {
            _ = try StrategyRegistry.validate(name: "MovingAverageCross", parameters: ["fast_period": .int(40)])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidStrategyParameters)
            #expect(error.message.contains("fast_period (40) must be less than slow_period (30)"))
        }
    }
}
