import Testing
@testable import TradingCore

/// Slippage, commission, sizing and margin on hand-checked bars.
@Suite("TradingView broker: slippage, commission, sizing, margin")
struct TradingViewBrokerCostTests {
    @Test("slippage: market and stop fills move against the order by ticks·mintick; limit fills do not")
    func slippage() {
        var properties = tvProps()
        properties.minTick = 0.5
        properties.slippageTicks = 2   // 1.0 in price

        // Market buy at bar 1's open 100 → 101; market sell (close) at bar 2's open 110 → 109.
        let market = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (110, 110, 110, 110)]),
                           script: { index, broker in
            if index == 0 { broker.entry("L", .long) }
            if index == 1 { broker.close("L") }
        })
        #expect(market.closedTrades[0].entryPrice == 101 && market.closedTrades[0].exitPrice == 109)
        #expect(market.closedTrades[0].profit == 8)

        // Buy stop 105 crossed on 100→99→107 → 106. Sell stop-loss 95 of a long → 94.
        let stop = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 107, 99, 106), (106, 106, 90, 91)]),
                         script: { index, broker in
            if index == 0 {
                broker.entry("L", .long, stop: 105)
                broker.exit("x", from: "L", stop: 95)
            }
        })
        #expect(stop.closedTrades[0].entryPrice == 106 && stop.closedTrades[0].exitPrice == 94)

        // Buy limit 98 → exactly 98; take-profit 103 → exactly 103.
        let limit = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 101, 97, 99), (99, 104, 99, 103)]),
                          script: { index, broker in
            if index == 0 {
                broker.entry("L", .long, limit: 98)
                broker.exit("x", from: "L", limit: 103)
            }
        })
        #expect(limit.closedTrades[0].entryPrice == 98 && limit.closedTrades[0].exitPrice == 103)
    }

    @Test("slippage rounds to the tick exactly (EURUSD-like 0.00001, 10 ticks)")
    func slippageDecimalTick() {
        var properties = tvProps()
        properties.minTick = 0.00001
        properties.slippageTicks = 10
        let broker = tvRun(properties, tvBars([(1.13433, 1.13502, 1.13351, 1.13483), (1.13466, 1.13564, 1.13358, 1.13519)]),
                           script: { index, broker in if index == 0 { broker.entry("L", .long) } })
        #expect(broker.openTrades[0].entryPrice == 1.13476)
    }

    private func roundTrip(_ configure: (inout TradingViewStrategyProperties) -> Void) -> (TradingViewTrade, Double) {
        var properties = tvProps()
        configure(&properties)
        var openProfitAfterEntry = 0.0
        let broker = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (110, 110, 110, 110)]),
                           script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 2) }      // 2 at 100
            if index == 1 { openProfitAfterEntry = broker.openProfit; broker.close("L") }   // 2 at 110
        })
        return (broker.closedTrades[0], openProfitAfterEntry)
    }

    @Test("commission percent: 0.1 % of each fill's value")
    func commissionPercent() {
        let (trade, openProfit) = roundTrip { $0.commissionType = .percent; $0.commissionValue = 0.1 }
        // Entry 2·100·0.1 % = 0.2, exit 2·110·0.1 % = 0.22; profit 20 − 0.42.
        #expect(tvApprox(trade.commission, 0.42) && tvApprox(trade.profit, 19.58))
        // Open profit on the entry bar is net of the entry commission.
        #expect(tvApprox(openProfit, -0.2))
        // Run-up and drawdown are net of the entry commission too (as TradingView's trade list shows):
        // best 110 → 20 − 0.2 = 19.8; worst 100 → 0 + 0.2 = 0.2.
        #expect(tvApprox(trade.maxRunup, 19.8) && tvApprox(trade.maxDrawdown, 0.2))
    }

    @Test("commission cash per contract")
    func commissionPerContract() {
        let (trade, _) = roundTrip { $0.commissionType = .cashPerContract; $0.commissionValue = 0.5 }
        // 2·0.5 at entry + 2·0.5 at exit = 2; profit 18.
        #expect(trade.commission == 2 && trade.profit == 18)
    }

    @Test("commission cash per order, split over the two legs of a reversal")
    func commissionPerOrder() {
        let (trade, _) = roundTrip { $0.commissionType = .cashPerOrder; $0.commissionValue = 3 }
        #expect(trade.commission == 6 && trade.profit == 14)

        var properties = tvProps()
        properties.commissionType = .cashPerOrder
        properties.commissionValue = 3
        let broker = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (110, 110, 110, 110)]),
                           script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 2) }
            if index == 1 { broker.entry("S", .short, qty: 2) }   // one order of 4: 1.5 per leg
        })
        #expect(broker.closedTrades[0].commission == 4.5 && broker.closedTrades[0].profit == 15.5)
        #expect(broker.openTrades[0].commission == 1.5)
        #expect(broker.netProfit == 15.5)
    }

    @Test("percent_of_equity: equity × percent at placement, divided by the placement close, rounded down")
    func percentOfEquitySizing() {
        func trade(step: Double, limit: Double? = nil) -> TradingViewTrade? {
            var properties = tvProps()
            properties.initialCapital = 10_000
            properties.defaultQtyType = .percentOfEquity
            properties.defaultQtyValue = 50
            properties.quantityStep = step
            let broker = tvRun(properties, tvBars([(100, 101, 99, 101), (102, 102, 97, 98)]),
                               script: { index, broker in if index == 0 { broker.entry("L", .long, limit: limit) } })
            return broker.openTrades.first
        }
        // Budget 50 % of 10,000 = 5,000 on bar 0, whose close is 101: 49.50495… contracts; fill at 102.
        #expect(trade(step: 1)?.quantity == 49 && trade(step: 1)?.entryPrice == 102)
        #expect(trade(step: 0.001)?.quantity == 49.504)
        // A limit order is sized at its own price: 5,000 / 98 = 51.02 → 51.
        #expect(trade(step: 1, limit: 98)?.quantity == 51 && trade(step: 1, limit: 98)?.entryPrice == 98)
    }

    @Test("explicit quantities floor to the step; an exact multiple survives float noise")
    func lotFloor() {
        var properties = tvProps()
        properties.quantityStep = 0.0001
        properties.pyramiding = 2
        let broker = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100)]), script: { index, broker in
            if index == 0 {
                broker.entry("A", .long, qty: 173.432)    // 173.432 / 0.0001 = 1734319.9999999998 → kept
                broker.entry("B", .long, qty: 50.00055)   // a real half step → 50.0005
            }
        })
        #expect(broker.openTrades.map(\.quantity) == [173.432, 50.0005])
    }

    @Test("cash sizing: default_qty_value money per order at the fill price, rounded down")
    func cashSizing() {
        var properties = tvProps()
        properties.defaultQtyType = .cash
        properties.defaultQtyValue = 1_000
        properties.quantityStep = 0.01
        let broker = tvRun(properties, tvBars([(300, 300, 300, 300), (300, 300, 300, 300)]),
                           script: { index, broker in if index == 0 { broker.entry("L", .long) } })
        #expect(broker.openTrades.first?.quantity == 3.33)
    }

    @Test("margin call: four times the shortfall's contracts are liquidated at the bar's adverse extreme")
    func marginCall() {
        var properties = tvProps()
        properties.initialCapital = 1_000
        properties.marginLong = 50
        properties.quantityStep = 1
        let broker = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 90, 95)]),
                           script: { index, broker in if index == 0 { broker.entry("L", .long, qty: 20) } })
        // At 90: equity 1,000 − 20·10 = 800 < margin 20·90·50 % = 900. Shortfall 100 / (90·50 %) = 2.22
        // contracts = 2 whole lots, ×4 = 8 liquidated at 90 (−80); 12 stay open.
        #expect(broker.closedTrades.map(\.quantity) == [8])
        #expect(broker.closedTrades.map(\.exitPrice) == [90])
        #expect(broker.closedTrades[0].exitSignal == "Margin call" && broker.closedTrades[0].profit == -80)
        #expect(broker.positionSize == 12)
    }

    @Test("margin: a fresh entry the equity cannot margin at the fill price is rejected")
    func marginPrefillReject() {
        func size(fillOpen: Double) -> Double {
            var properties = tvProps()
            properties.initialCapital = 10_000
            properties.defaultQtyType = .percentOfEquity
            properties.defaultQtyValue = 100
            properties.marginLong = 100
            properties.quantityStep = 0.0001
            properties.minTick = 0.01
            return tvRun(properties, tvBars([(100, 100, 100, 100), (fillOpen, fillOpen, fillOpen, fillOpen)]),
                         script: { index, broker in if index == 0 { broker.entry("L", .long) } }).positionSize
        }
        // 100 % of 10,000 at the close 100 = 100 contracts. At 100 the margin is exactly the equity;
        // at 100.5 it would need 10,050 > 10,000.
        #expect(size(fillOpen: 100) == 100)
        #expect(size(fillOpen: 100.5) == 0)
    }

    @Test("margin: a reversal's new leg fills and the margin call at the open trims it (4 × whole lots)")
    func reversalTrimmedAtOpen() {
        var properties = tvProps()
        properties.initialCapital = 10_000
        properties.defaultQtyType = .percentOfEquity
        properties.defaultQtyValue = 100
        properties.marginLong = 100
        properties.quantityStep = 0.01
        properties.minTick = 0.01
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100.5, 100.5, 100.5, 100.5)])
        let broker = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("S", .short) }   // 100 at 100
            if index == 1 { broker.entry("L", .long) }    // 10,000 / 100 = 100
        })
        // Bar 2 opens at 100.5: the short closes (−50, equity 9,950), the long 100 opens. Margin 10,050 >
        // 9,950: shortfall 100 / 100.5 = 0.995 contracts = 99 lots of 0.01, ×4 = 3.96 liquidated at 100.5.
        #expect(broker.closedTrades.map(\.entryId) == ["S", "L"])
        #expect(broker.closedTrades.map(\.quantity) == [100, 3.96])
        #expect(broker.closedTrades[1].exitSignal == "Margin call" && broker.closedTrades[1].exitPrice == 100.5)
        #expect(tvApprox(broker.positionSize, 96.04))
    }

    @Test("margin: opposite entries placed on one bar are margined together; from an earlier bar they reverse")
    func sameBarOppositeEntries() {
        var properties = tvProps()
        properties.initialCapital = 10_000
        properties.defaultQtyType = .percentOfEquity
        properties.defaultQtyValue = 100
        properties.marginLong = 100
        properties.marginShort = 100
        properties.quantityStep = 0.01
        let bars = tvBars(Array(repeating: (100, 100, 100, 100), count: 5))
        // Both on bar 0: A (long 100) fills; B would need A's and its own margin, 20,000 > 10,000: dropped.
        let sameBar = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("A", .long); broker.entry("B", .short) }
        })
        #expect(sameBar.positionSize == 100 && sameBar.closedTrades.isEmpty)
        // B placed a bar later reverses: only its own leg is margined.
        let laterBar = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("A", .long) }
            if index == 1 { broker.entry("B", .short) }
        })
        #expect(laterBar.positionSize == -100 && laterBar.closedTrades.map(\.entryId) == ["A"])
    }

    @Test("margin: a shortfall under one lot closes one contract, capped at the position")
    func subLotMarginCall() {
        var properties = tvProps()
        properties.initialCapital = 40
        properties.defaultQtyType = .percentOfEquity
        properties.defaultQtyValue = 100
        properties.marginShort = 100
        properties.quantityStep = 0.0001
        properties.minTick = 0.01
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 99.95, 100), (100, 100.01, 99.95, 99.96)])
        let broker = tvRun(properties, bars, script: { index, broker in if index == 0 { broker.entry("S", .short) } })
        // Short 0.4 at 100. At 100.01: equity 39.996 − margin 40.004 = −0.008, under one lot's 0.01:
        // one contract, capped at 0.4, closes the whole position at 100.01.
        #expect(broker.closedTrades.map(\.quantity) == [0.4])
        #expect(broker.closedTrades.map(\.exitPrice) == [100.01] && broker.positionSize == 0)
    }

    @Test("no margin call with margin 0 (the v5 default)")
    func noMarginCallByDefault() {
        var properties = tvProps()
        properties.initialCapital = 1_000
        let broker = tvRun(properties, tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 10, 20)]),
                           script: { index, broker in if index == 0 { broker.entry("L", .long, qty: 20) } })
        #expect(broker.closedTrades.isEmpty && broker.positionSize == 20)
        // Equity 1,000 + 20·(20 − 100) = −600.
        #expect(broker.equity == -600)
    }

    @Test("equity curve: max drawdown and run-up use the bars' extremes")
    func equityCurve() {
        let broker = tvRun(tvProps(), tvBars([(100, 100, 100, 100), (100, 104, 97, 102), (102, 103, 101, 102)]),
                           script: { index, broker in if index == 0 { broker.entry("L", .long) } })
        // Long 1 from 100. Bar 1: worst 97 (equity −3 below the 0 peak), best 104 (+4 above the 0 trough).
        // Bar 2: best 103 is +6 above the −3 trough of bar 1. (Within one bar the extremes' order is ignored.)
        #expect(broker.maxDrawdown == 3)
        #expect(broker.maxRunup == 6)
    }
}
