import Testing
@testable import TradingCore

/// close_entries_rule, backtest_fill_limits_assumption, the day-based risk rules and accessors (mintick 1).
@Suite("TradingView broker: entry rules, risk rules, accessors")
struct TradingViewBrokerRuleTests {
    /// Long A at 100 and B at 102; `strategy.exit("xb", "B", loss = 3)` (stop 99); bar 3 falls to 98.
    private func exitWithRule(_ rule: TradingViewCloseEntriesRule) -> TradingViewBroker {
        var properties = tvProps()
        properties.pyramiding = 2
        properties.closeEntriesRule = rule
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (102, 102, 102, 102), (102, 102, 98, 99)])
        return tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("A", .long) }
            if index == 1 { broker.entry("B", .long) }
            broker.exit("xb", from: "B", loss: 3)
        })
    }

    @Test("close_entries_rule ANY: the exit closes its own entry")
    func closeEntriesAny() {
        let broker = exitWithRule(.any)
        // B: 99 − 102 = −3.
        #expect(broker.closedTrades.map(\.entryId) == ["B"] && broker.closedTrades[0].profit == -3)
        #expect(broker.openTrades.map(\.entryId) == ["A"])
    }

    @Test("close_entries_rule FIFO: the exit's quantity comes out of the oldest entry")
    func closeEntriesFIFO() {
        let broker = exitWithRule(.fifo)
        // A: 99 − 100 = −1; B stays open.
        #expect(broker.closedTrades.map(\.entryId) == ["A"] && broker.closedTrades[0].profit == -1)
        #expect(broker.closedTrades[0].exitId == "xb")
        #expect(broker.openTrades.map(\.entryId) == ["B"])
    }

    @Test("backtest_fill_limits_assumption: a limit fills only when price goes through it by N ticks")
    func fillLimitsAssumption() {
        func entryPrice(_ bar: (Double, Double, Double, Double)) -> Double? {
            var properties = tvProps()
            properties.backtestFillLimitsAssumption = 2
            return tvRun(properties, tvBars([(100, 100, 100, 100), bar]), script: { index, broker in
                if index == 0 { broker.entry("L", .long, limit: 98) }
            }).openTrades.first?.entryPrice
        }
        #expect(entryPrice((100, 101, 97, 99)) == nil)   // 97 is only 1 tick through
        #expect(entryPrice((100, 101, 96, 99)) == 98)    // 96 is 2 ticks through → at the limit
        #expect(entryPrice((95, 96, 94, 95)) == 95)      // gapped through → at the open
    }

    @Test("a stop-limit whose limit is marketable when the stop triggers fills at the stop")
    func stopLimitMarketable() {
        let broker = tvRun(tvProps(), tvBars([(100, 100, 100, 100), (100, 108, 100, 107)]), script: { index, broker in
            if index == 0 { broker.entry("L", .long, limit: 106, stop: 105) }
        })
        #expect(broker.openTrades.map(\.entryPrice) == [105])
    }

    @Test("risk.max_intraday_loss (cash) closes the position and blocks entries for the rest of the day")
    func maxIntradayLoss() {
        // Six-hour bars, four per day.
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (99, 99, 94, 95), (95, 95, 95, 95),
                           (96, 96, 96, 96), (97, 97, 97, 97)], step: 6 * 3_600_000)
        var properties = tvProps()
        properties.riskMaxIntradayLoss = TradingViewRiskLimit(value: 40, type: .cash)
        var sizes: [Double] = []
        let broker = tvRun(properties, bars, script: { _, broker in broker.entry("L", .long, qty: 10) },
                           afterBar: { _, broker in sizes.append(broker.positionSize) })
        // Long 10 from 100; bar 2 closes at 95: −50 today ≥ 40 → closed at 95. Bar 3: blocked.
        // Day 2: the entry placed on bar 4 fills at bar 5's open.
        #expect(sizes == [0, 10, 0, 0, 0, 10])
        #expect(broker.closedTrades.map(\.exitPrice) == [95])
        #expect(broker.closedTrades[0].exitSignal == "Risk: max intraday loss")
    }

    @Test("risk.max_cons_loss_days stops trading after that many losing days in a row")
    func maxConsecutiveLossDays() {
        // Twelve-hour bars, two per day: day 1 loses 5, day 2 loses 10.
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 95, 95), (95, 95, 90, 90), (90, 90, 85, 85),
                           (86, 86, 86, 86), (87, 87, 87, 87)], step: 12 * 3_600_000)
        var properties = tvProps()
        properties.riskMaxConsLossDays = 2
        let broker = tvRun(properties, bars, script: { _, broker in broker.entry("L", .long) })
        // At the start of day 3 (bar 4) the rule fires: the position is closed at bar 4's open 86.
        #expect(broker.closedTrades.map(\.exitPrice) == [86] && broker.closedTrades[0].exitBarIndex == 4)
        #expect(broker.closedTrades[0].exitSignal == "Risk: max consecutive loss days")
        #expect(broker.isHalted && broker.positionSize == 0)
    }

    @Test("a short margin call liquidates at the bar's high, at most the whole position")
    func shortMarginCall() {
        var properties = tvProps()
        properties.initialCapital = 1_000
        properties.marginShort = 50
        properties.quantityStep = 1
        let broker = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 110, 100, 105)]),
                           script: { index, broker in if index == 0 { broker.entry("S", .short, qty: 20) } })
        // At 110: equity 1,000 − 200 = 800 < 20·110·50 % = 1,100; (300 / 55)·4 = 21.8 → capped at 20.
        #expect(broker.closedTrades.map(\.quantity) == [20] && broker.closedTrades[0].exitPrice == 110)
        #expect(broker.positionSize == 0)
    }

    @Test("accessors: counts, indexed trades, a close with nothing to close fills nothing")
    func accessors() {
        let bars = tvBars([(100, 100, 100, 100), (101, 101, 101, 101), (102, 102, 102, 103)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, comment: "go"); broker.close("nothing") }
        })
        #expect(broker.openTradeCount == 1 && broker.closedTradeCount == 0 && broker.filledOrderCount == 1)
        let open = broker.openTrade(0)
        #expect(open?.entryComment == "go" && open?.profit == 2 && open?.signedQuantity == 1 && open?.isOpen == true)
        #expect(broker.openTrade(1) == nil && broker.closedTrade(0) == nil)
        #expect(broker.positionEntryName == "L" && broker.initialCapital == 1_000_000)
        #expect(broker.maxContractsHeldLong == 1 && broker.maxContractsHeldShort == 0 && broker.maxContractsHeldAll == 1)
    }
}
