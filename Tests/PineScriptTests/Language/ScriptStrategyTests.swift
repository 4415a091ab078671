import Testing
import TradingCore
@testable import PineScript

/// `strategy.*` calls through the compiler onto the broker, on bars whose close is 1, 2, 3, …
/// (open = close − 0.5, high = close + 1, low = close − 1), with hand-computed fills.
@Suite("Pine strategy calls")
struct ScriptStrategyTests {
    static let environment = PineEnvironment(ticker: "TEST", minTick: 0.01, quantityStep: 0.001, timeframe: .oneHour)

    func run(_ body: [String], declaration: String, bars: Int = 6) throws -> PineRunResult {
        let source = (["//@version=5", declaration] + body).joined(separator: "\n")
        return try PineProgram(source: source, environment: Self.environment).run(bars: countingBars(bars))
    }

    @Test func exitWithProfitAndLossInTicks() throws {
        let result = try run([
            "if bar_index == 0",
            "    strategy.entry(\"L\", strategy.long)",
            "    strategy.exit(\"X\", from_entry = \"L\", profit = 150, loss = 300)",
        ], declaration: "strategy(\"t\", default_qty_type = strategy.fixed, default_qty_value = 2, initial_capital = 1000)")
        // Entry at bar 1's open 1.5; take-profit 150 ticks above = 3.0, reached at bar 1's high (3.0).
        #expect(result.closedTrades.count == 1)
        let trade = try #require(result.closedTrades.first)
        #expect(trade.entryId == "L" && trade.entryBarIndex == 1 && trade.entryPrice == 1.5)
        #expect(trade.exitId == "X" && trade.exitBarIndex == 1 && trade.exitPrice == 3.0)
        #expect(trade.quantity == 2 && trade.direction == .long)
        #expect(trade.profit == 3.0)
        #expect(result.openTrades.isEmpty)
        #expect(result.statistics?.netProfit == 3.0)
    }

    @Test func pyramidingCloseByIdAndReversal() throws {
        let result = try run([
            "if bar_index == 0",
            "    strategy.entry(\"A\", strategy.long, qty = 1)",
            "if bar_index == 1",
            "    strategy.entry(\"B\", strategy.long, qty = 1)",
            "if bar_index == 2",
            "    strategy.close(\"A\", comment = \"closeA\")",
            "if bar_index == 3",
            "    strategy.entry(\"S\", strategy.short, qty = 1)",
            "plot(strategy.position_size, \"size\")",
        ], declaration: "strategy(\"t\", pyramiding = 2)")
        // A fills at 1.5 (bar 1), B at 2.5 (bar 2); A closes at 3.5 (bar 3); S at 4.5 (bar 4)
        // reverses: B closes at 4.5 and a short of 1 opens there.
        #expect(result.closedTrades.map(\.entryId) == ["A", "B"])
        #expect(result.closedTrades.map(\.entryPrice) == [1.5, 2.5])
        #expect(result.closedTrades.map { $0.exitPrice } == [3.5, 4.5])
        #expect(result.closedTrades.map(\.exitComment) == ["closeA", nil])
        #expect(result.closedTrades.map(\.exitId) == ["A", "S"])
        #expect(result.closedTrades.map(\.profit) == [2.0, 2.0])
        let open = try #require(result.openTrades.first)
        #expect(open.entryId == "S" && open.direction == .short && open.entryPrice == 4.5 && open.quantity == 1)
        // The script sees the position after each bar's fills.
        #expect(result.plots[0].values == [0, 1, 2, 1, -1, -1])
    }

    @Test func percentOfEquitySizingRoundsDownToTheStep() throws {
        let result = try run([
            "if bar_index == 1",
            "    strategy.entry(\"L\", strategy.long)",
        ], declaration: "strategy(\"t\", initial_capital = 1000, default_qty_type = strategy.percent_of_equity, default_qty_value = 33)")
        // Sized on bar 1's close (2): 1000 × 33 % / 2 = 165 exactly; filled at bar 2's open 2.5.
        let trade = try #require(result.openTrades.first)
        #expect(trade.quantity == 165)
        #expect(trade.entryPrice == 2.5)
    }

    @Test func processOrdersOnCloseAndCommission() throws {
        let result = try run([
            "if bar_index == 1",
            "    strategy.entry(\"L\", strategy.long, qty = 10)",
            "if bar_index == 3",
            "    strategy.close_all()",
        ], declaration: "strategy(\"t\", process_orders_on_close = true, commission_type = strategy.commission.cash_per_order, commission_value = 0.5)")
        // Fills at the close of the bar the order is placed on: 2 (bar 1) and 4 (bar 3).
        let trade = try #require(result.closedTrades.first)
        #expect(trade.entryPrice == 2 && trade.entryBarIndex == 1)
        #expect(trade.exitPrice == 4 && trade.exitBarIndex == 3)
        #expect(trade.commission == 1.0)
        #expect(trade.profit == 19.0) // (4 − 2) · 10 − 2 × 0.5
    }

    @Test func indicatorScriptsCannotTrade() {
        let found = diagnostics("//@version=5\nindicator(\"x\")\nif close > 1\n    strategy.entry(\"L\", strategy.long)\nplot(strategy.equity)")
        #expect(found.map(\.message) == ["strategy.entry can only be used in a strategy() script", "strategy.equity can only be used in a strategy() script"])
    }
}
