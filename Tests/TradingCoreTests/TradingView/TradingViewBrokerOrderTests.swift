import Testing
@testable import TradingCore

/// Market orders, reversal, pyramiding, closes and strategy.order, on hand-checked bars (mintick 1).
@Suite("TradingView broker: market orders and positions")
struct TradingViewBrokerOrderTests {
    @Test("a market entry placed on bar 0 fills at bar 1's open; state and run-up/drawdown follow")
    func marketEntryAtNextOpen() {
        let bars = tvBars([
            (100, 101, 99, 100),   // 0: entry placed on the close
            (102, 106, 99, 104),   // 1: fill at open 102; path 102→99→106→104 (low nearer)
            (105, 107, 103, 106),  // 2: close placed on this close
            (101, 103, 100, 102),  // 3: exit at open 101
        ])
        var seen: [Int: (size: Double, avg: Double, open: Double)] = [:]
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            seen[index] = (broker.positionSize, broker.positionAveragePrice, broker.openProfit)
            if index == 0 { broker.entry("L", .long) }
            if index == 2 { broker.close("L") }
        })
        #expect(seen[0]!.size == 0 && seen[0]!.avg.isNaN)
        // Bar 1 on its close: long 1 from 102, open profit 104 − 102 = 2.
        #expect(seen[1]!.size == 1 && seen[1]!.avg == 102 && seen[1]!.open == 2)
        #expect(seen[2]!.open == 4)
        let trade = broker.closedTrades[0]
        #expect(broker.closedTrades.count == 1)
        #expect(trade.entryBarIndex == 1 && trade.entryTime == bars[1].openTime && trade.entryPrice == 102)
        #expect(trade.exitBarIndex == 3 && trade.exitTime == bars[3].openTime && trade.exitPrice == 101)
        // Profit 101 − 102 = −1; best price 107 → run-up 5; worst 99 → drawdown 3.
        #expect(trade.profit == -1 && trade.maxRunup == 5 && trade.maxDrawdown == 3)
        #expect(trade.exitId == "L" && trade.exitSignal == "Close entry(s) order L" && trade.entrySignal == "L")
        #expect(broker.netProfit == -1 && broker.lossTrades == 1 && broker.grossLoss == 1)
        #expect(broker.equity == 1_000_000 - 1)
        #expect(broker.filledOrderCount == 2)
    }

    @Test("an opposite strategy.entry closes the position and opens the reverse in one fill")
    func reversal() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 102), (104, 104, 104, 104), (103, 103, 103, 103)])
        var sizes: [Double] = []
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("LE", .long, comment: "Long!") }
            if index == 1 { broker.entry("SE", .short, qty: 3, comment: "Short!") }
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [0, 1, -3, -3])
        let trade = broker.closedTrades[0]
        // Long 1 from 102 closed at 104 by the short entry: +2; the signal is the closing order's comment.
        #expect(trade.profit == 2 && trade.exitPrice == 104 && trade.exitId == "SE" && trade.exitSignal == "Short!")
        #expect(trade.entrySignal == "Long!")
        let open = broker.openTrades
        // Short 3 from 104, valued at 103: +3, listed as "Open".
        #expect(open.count == 1 && open[0].direction == .short && open[0].quantity == 3 && open[0].entryPrice == 104)
        #expect(open[0].profit == 3 && open[0].exitSignal == "Open")
        #expect(broker.filledOrderCount == 2)
    }

    @Test("pyramiding 0 allows one entry per direction; pyramiding 2 allows two")
    func pyramiding() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 102), (104, 104, 104, 104), (106, 106, 106, 106),
                           (108, 108, 108, 108)])
        let script: (Int, TradingViewBroker) -> Void = { _, broker in broker.entry("L", .long) }
        let single = tvRun(tvProps(), bars, script: script)
        #expect(single.positionSize == 1 && single.openTrades.count == 1)
        var properties = tvProps()
        properties.pyramiding = 2
        let double = tvRun(properties, bars, script: script)
        // Fills at 102 and 104; the third and fourth entries are rejected. Average 103.
        #expect(double.positionSize == 2 && double.positionAveragePrice == 103)
        #expect(double.openTrades.map(\.entryPrice) == [102, 104])
        #expect(double.filledOrderCount == 2)
    }

    @Test("pyramiding is judged when strategy.entry is called: an entry placed while the slot is full never fills")
    func pyramidingAtCallTime() {
        // Channel-breakout style: both stop entries are re-placed on every bar.
        let bars = tvBars([
            (100, 100, 100, 100),
            (100, 106, 99, 104),   // 100→99→106: the long stop 105 fills
            (100, 108, 94, 104),   // 100→94: the short stop 95 reverses; →108 passes the long stop 107
            (104, 104, 104, 104),
        ])
        var sizes: [Double] = []
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("LE", .long, stop: 105)
                broker.entry("SE", .short, stop: 95)
            }
            if index == 1 {
                broker.entry("LE", .long, stop: 107)   // long already: refused now, so it cannot fill on bar 2
                broker.entry("SE", .short, stop: 95)
            }
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [0, 1, -1, -1])
        #expect(broker.closedTrades.map(\.entryId) == ["LE"] && broker.closedTrades[0].exitPrice == 95)
    }

    @Test("strategy.close(id) closes only that entry; close_all closes the rest in entry order")
    func closeByIdAndCloseAll() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 102), (104, 104, 104, 104), (106, 106, 106, 106),
                           (110, 110, 110, 110), (112, 112, 112, 112)])
        var properties = tvProps()
        properties.pyramiding = 3
        let broker = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("A", .long) }                 // fills 102
            if index == 1 { broker.entry("B", .long, qty: 2) }         // fills 104
            if index == 2 { broker.entry("C", .long) }                 // fills 106
            if index == 2 { broker.close("A", comment: "bye A") }      // fills 106
            if index == 3 { broker.closeAll(comment: nil, immediately: false) }  // fills 110
        })
        #expect(broker.positionSize == 0)
        let closed = broker.closedTrades
        #expect(closed.map(\.entryId) == ["A", "B", "C"])
        // A: 106 − 102 = 4 (signal = comment). B: (110 − 104)·2 = 12. C: 110 − 106 = 4.
        #expect(closed.map(\.profit) == [4, 12, 4])
        #expect(closed[0].exitSignal == "bye A" && closed[0].exitBarIndex == 3)
        #expect(closed[1].exitSignal == "Close position order" && closed[1].exitBarIndex == 4)
        #expect(broker.netProfit == 20 && broker.winTrades == 3 && broker.grossProfit == 20)
    }

    @Test("strategy.close with qty_percent splits the trade; immediately fills at this bar's close")
    func partialAndImmediateClose() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 103), (104, 104, 104, 105), (106, 106, 106, 107)])
        var sizeAfterImmediate = 0.0
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 4) }                 // fills 102
            if index == 1 { broker.close("L", qtyPercent: 25) }                // 1 at 104
            if index == 2 {
                broker.close("L", immediately: true)                           // 3 at close 105, now
                sizeAfterImmediate = broker.positionSize
            }
        })
        #expect(sizeAfterImmediate == 0)
        let closed = broker.closedTrades
        #expect(closed.map(\.quantity) == [1, 3])
        // (104 − 102)·1 = 2; (105 − 102)·3 = 9.
        #expect(closed.map(\.profit) == [2, 9])
        #expect(closed[1].exitBarIndex == 2 && closed[1].exitPrice == 105)
    }

    @Test("same-bar closes stack (a 30/30/40 % ladder closes 3 + 3 + 4); one statement repeated replaces")
    func closeLadder() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (101, 101, 101, 101), (102, 102, 102, 102)])
        let ladder = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 10) }
            if index == 1 {
                broker.close("L", qtyPercent: 30, comment: "TP1")
                broker.close("L", qtyPercent: 30, comment: "TP2")
                broker.close("L", qtyPercent: 40, comment: "TP3")
            }
        })
        #expect(ladder.closedTrades.map(\.quantity) == [3, 3, 4])
        #expect(ladder.closedTrades.map(\.exitSignal) == ["TP1", "TP2", "TP3"] && ladder.positionSize == 0)

        let repeated = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 10) }
            if index == 1 {
                for _ in 0..<3 {
                    broker.close(id: "L", qty: nil, qtyPercent: 30, comment: nil, immediately: false, callSite: 7)
                }
            }
        })
        #expect(repeated.closedTrades.map(\.quantity) == [3] && repeated.positionSize == 7)
    }

    @Test("strategy.order nets against the position instead of reversing by the whole size")
    func strategyOrderNets() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 102), (104, 104, 104, 104), (106, 106, 106, 106)])
        var sizes: [Double] = []
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.order("buy", .long, qty: 2) }     // +2 at 102
            if index == 1 { broker.order("buy2", .long, qty: 1) }    // +1 at 104 (pyramiding does not apply)
            if index == 2 { broker.order("sell", .short, qty: 4) }   // −4 at 106: closes 3 (FIFO), short 1
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [0, 2, 3, -1])
        #expect(broker.closedTrades.map(\.profit) == [8, 2])    // (106 − 102)·2, 106 − 104
        #expect(broker.openTrades[0].entryId == "sell" && broker.openTrades[0].entryPrice == 106)
    }

    @Test("process_orders_on_close fills market orders at the close of the bar that placed them")
    func processOrdersOnClose() {
        let bars = tvBars([(100, 101, 99, 100), (102, 103, 101, 103), (104, 105, 103, 105)])
        var properties = tvProps()
        properties.processOrdersOnClose = true
        var sizes: [Double] = []
        let broker = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long) }
            if index == 2 { broker.close("L") }
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [1, 1, 0])
        let trade = broker.closedTrades[0]
        #expect(trade.entryBarIndex == 0 && trade.entryPrice == 100 && trade.exitBarIndex == 2 && trade.exitPrice == 105)
    }

    @Test("risk.allow_entry_in(long): a short entry only closes the long, and opens nothing when flat")
    func allowEntryIn() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 102), (104, 104, 104, 104), (106, 106, 106, 106)])
        var properties = tvProps()
        properties.riskAllowEntryIn = .long
        var sizes: [Double] = []
        let broker = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long) }
            if index == 1 || index == 2 { broker.entry("S", .short) }
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [0, 1, 0, 0])
        #expect(broker.closedTrades.count == 1 && broker.closedTrades[0].exitId == "S")
        #expect(broker.closedTrades[0].profit == 2)
    }

    @Test("risk.max_position_size caps the entry quantity")
    func maxPositionSize() {
        let bars = tvBars([(100, 100, 100, 100), (102, 102, 102, 102), (104, 104, 104, 104), (106, 106, 106, 106)])
        var properties = tvProps()
        properties.pyramiding = 5
        properties.riskMaxPositionSize = 3
        let broker = tvRun(properties, bars, script: { _, broker in broker.entry("L", .long, qty: 2) })
        // 2, then 1 (capped at 3), then nothing.
        #expect(broker.openTrades.map(\.quantity) == [2, 1])
    }

    @Test("risk.max_intraday_filled_orders closes the position and blocks entries until the next day")
    func maxIntradayFilledOrders() {
        // Six-hour bars: four per UTC day.
        let bars = tvBars([(100, 100, 100, 100), (101, 101, 101, 101), (102, 102, 102, 102), (103, 103, 103, 103),
                           (104, 104, 104, 104), (105, 105, 105, 105)], step: 6 * 3_600_000)
        var properties = tvProps()
        properties.pyramiding = 10
        properties.riskMaxIntradayFilledOrders = 2
        var sizes: [Double] = []
        let broker = tvRun(properties, bars, script: { _, broker in broker.entry("L", .long) },
                           afterBar: { _, broker in sizes.append(broker.positionSize) })
        // Fills at 101 (bar 1) and 102 (bar 2): the second fill of the day reaches the cap, so both trades
        // are closed right there at that fill's price 102; bar 2's and bar 3's entries are refused; on the
        // next day the entry placed on bar 4 fills at bar 5's open.
        #expect(sizes == [0, 1, 0, 0, 0, 1])
        #expect(broker.closedTrades.map(\.exitPrice) == [102, 102])
        #expect(broker.closedTrades.map(\.exitBarIndex) == [2, 2])
        #expect(broker.closedTrades[0].exitId == nil)
        #expect(broker.closedTrades[0].exitSignal == "Close Position (Max number of filled orders in one day)")
    }

    @Test("risk.max_drawdown in cash closes everything and stops trading")
    func maxDrawdown() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (95, 95, 80, 89), (90, 90, 90, 90),
                           (91, 91, 91, 91)])
        var properties = tvProps()
        properties.riskMaxDrawdown = TradingViewRiskLimit(value: 10, type: .cash)
        let broker = tvRun(properties, bars, script: { _, broker in broker.entry("L", .long) })
        // Long 1 from 100; bar 2's low 80 puts the strategy 20 below its peak ≥ 10 → closed at bar 2's
        // close 89; no more entries.
        #expect(broker.closedTrades.count == 1 && broker.closedTrades[0].exitPrice == 89)
        #expect(broker.positionSize == 0 && broker.isHalted)
    }
}
