import Testing
@testable import TradingCore

/// Limit/stop/exit fills along TradingView's intrabar path, gaps, trailing stops and OCA groups (mintick 1).
@Suite("TradingView broker: price orders and the intrabar path")
struct TradingViewBrokerPathTests {
    @Test("strategy.exit profit/loss in ticks: the exit order persists and fills at its limit")
    func exitProfitLossTicks() {
        let bars = tvBars([
            (100, 100, 100, 100),  // 0: entry + exit placed
            (100, 103, 98, 101),   // 1: fill 100; TP 105, SL 97; path 100→98→103→101: nothing
            (101, 106, 100, 105),  // 2: path 101→100→106: TP 105 reached
            (105, 105, 105, 105),
        ])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("L", .long)
                broker.exit("x", from: "L", profit: 5, loss: 3, commentProfit: "TP", commentLoss: "SL")
            }
        })
        let trade = broker.closedTrades[0]
        #expect(broker.closedTrades.count == 1 && trade.exitBarIndex == 2 && trade.exitPrice == 105)
        #expect(trade.profit == 5 && trade.exitId == "x" && trade.exitComment == "TP" && trade.exitSignal == "TP")
    }

    @Test("an exit placed with its entry can fill on the bar the entry fills at the open")
    func exitOnEntryBar() {
        let bars = tvBars([(100, 100, 100, 100), (100, 106, 99, 104), (104, 104, 104, 104)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("L", .long)
                broker.exit("x", from: "L", profit: 5, loss: 3)
            }
        })
        // Bar 1: fill 100, path 100→99→106: 99 > SL 97, then TP 105.
        #expect(broker.closedTrades.map(\.exitBarIndex) == [1])
        #expect(broker.closedTrades.map(\.exitPrice) == [105])
        #expect(broker.closedTrades[0].exitSignal == "x")
    }

    /// Long from 100 with TP 105 and SL 95; returns the exit price on the test bar.
    private func bracketExit(on testBar: (Double, Double, Double, Double)) -> Double? {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), testBar])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("L", .long)
                broker.exit("x", from: "L", profit: 5, loss: 5)
            }
        })
        return broker.closedTrades.first?.exitPrice
    }

    @Test("open nearer the high: open → high → low → close, so the take-profit fills first")
    func openNearHigh() {
        // 106 − 101 = 5 < 101 − 94 = 7.
        #expect(bracketExit(on: (101, 106, 94, 100)) == 105)
    }

    @Test("open nearer the low: open → low → high → close, so the stop-loss fills first")
    func openNearLow() {
        // 106 − 99 = 7 > 99 − 94 = 5.
        #expect(bracketExit(on: (99, 106, 94, 100)) == 95)
    }

    @Test("open equidistant from high and low: the low is visited first")
    func openTie() {
        #expect(bracketExit(on: (100, 106, 94, 100)) == 95)
    }

    @Test("gaps: a stop gapped through fills at the open, a limit gapped through fills at the better open")
    func gapsFillAtOpen() {
        // Stop-loss 95 for a long from 100; bar 2 opens at 90 → exit 90 (−10).
        let stopBars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (90, 92, 88, 91)])
        let stopped = tvRun(tvProps(), stopBars, script: { index, broker in
            if index == 0 { broker.entry("L", .long); broker.exit("x", from: "L", loss: 5) }
        })
        #expect(stopped.closedTrades.map(\.exitPrice) == [90])
        #expect(stopped.closedTrades.map(\.profit) == [-10])

        // Buy limit 95 placed on bar 0; bar 1 opens at 93 → filled at 93.
        let limitBars = tvBars([(100, 100, 100, 100), (93, 96, 92, 95)])
        let limited = tvRun(tvProps(), limitBars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, limit: 95) }
        })
        #expect(limited.openTrades.map(\.entryPrice) == [93])

        // Buy stop 105; bar 1 opens at 108 → filled at 108.
        let stopEntryBars = tvBars([(100, 100, 100, 100), (108, 110, 107, 109)])
        let stopEntry = tvRun(tvProps(), stopEntryBars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, stop: 105) }
        })
        #expect(stopEntry.openTrades.map(\.entryPrice) == [108])
    }

    @Test("limit and stop entries fill at their price when the path crosses it")
    func limitAndStopAlongPath() {
        func fill(_ bar: (Double, Double, Double, Double), _ place: @escaping (TradingViewBroker) -> Void) -> [Double] {
            tvRun(tvProps(), tvBars([(100, 100, 100, 100), bar]), script: { index, broker in
                if index == 0 { place(broker) }
            }).openTrades.map(\.entryPrice)
        }
        #expect(fill((100, 101, 97, 99)) { $0.entry("L", .long, limit: 98) } == [98])
        #expect(fill((100, 103, 99, 102)) { $0.entry("L", .long, stop: 102) } == [102])
        #expect(fill((100, 101, 94, 96)) { $0.entry("S", .short, stop: 95) } == [95])
        #expect(fill((100, 104, 99, 101)) { $0.entry("S", .short, limit: 103) } == [103])
        // Not reached: stays pending.
        #expect(fill((100, 101, 99, 100)) { $0.entry("L", .long, limit: 98) } == [])
    }

    @Test("stop-limit: the stop arms a limit that fills only when price comes back to it")
    func stopLimit() {
        let bars = tvBars([
            (100, 100, 100, 100),
            (100, 106, 100, 105),  // 100→100→106: stop 105 arms the buy limit 104; 106→105 never ≤ 104
            (105, 105, 103, 104),  // 105→103: limit 104 fills
        ])
        var sizes: [Double] = []
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, limit: 104, stop: 105) }
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [0, 0, 1])
        #expect(broker.openTrades.map(\.entryPrice) == [104])
    }

    @Test("trailing stop: activates trail_points above the entry, trails trail_offset behind the high")
    func trailingStop() {
        let bars = tvBars([
            (100, 100, 100, 100),  // 0: entry + exit placed
            (100, 104, 99, 103),   // 1: fill 100; activation 105 not reached
            (103, 108, 102, 107),  // 2: 103→102→108: activates at 105, best 108 → stop 106; →107 no hit
            (107, 109, 103, 104),  // 3: 107→109 (stop 107) → 103: stop 107 hit
        ])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("L", .long)
                broker.exit("t", from: "L", trailPoints: 5, trailOffset: 2, commentTrailing: "trail")
            }
        })
        let trade = broker.closedTrades[0]
        #expect(trade.exitBarIndex == 3 && trade.exitPrice == 107 && trade.profit == 7)
        #expect(trade.exitSignal == "trail")
    }

    @Test("trailing stop for a short with trail_price activation")
    func trailingStopShort() {
        let bars = tvBars([
            (100, 100, 100, 100),
            (100, 101, 96, 97),    // fill short 100; 100→101→96 (high nearer): activates at 97, best 96 → stop 99
            (97, 98, 95, 98),      // 97→98 (no: stop 99) →95: best 95, stop 98 → close 98 reaches it
            (98, 98, 98, 98),
        ])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("S", .short)
                broker.exit("t", from: "S", trailPrice: 97, trailOffset: 3)
            }
        })
        let trade = broker.closedTrades[0]
        #expect(trade.exitBarIndex == 2 && trade.exitPrice == 98 && trade.profit == 2)
        #expect(trade.exitSignal == "t")
    }

    @Test("OCA cancel: the first fill cancels the other order of the group")
    func ocaCancel() {
        let bars = tvBars([
            (100, 100, 100, 100),
            (100, 106, 99, 104),   // 100→99→106: buy stop 105 fills
            (104, 105, 90, 92),    // 104→105→90: the sell stop 95 would reverse here
            (92, 92, 92, 92),
        ])
        func run(_ type: TradingViewOCAType) -> TradingViewBroker {
            tvRun(tvProps(), bars, script: { index, broker in
                if index == 0 {
                    broker.entry("up", .long, stop: 105, oca: "b", ocaType: type)
                    broker.entry("dn", .short, stop: 95, oca: "b", ocaType: type)
                }
            })
        }
        let cancelled = run(.cancel)
        #expect(cancelled.positionSize == 1 && cancelled.closedTrades.isEmpty)
        let independent = run(.none)
        #expect(independent.positionSize == -1)
        #expect(independent.closedTrades.map(\.profit) == [-10])
    }

    @Test("OCA reduce: a fill reduces the other orders of the group by its quantity")
    func ocaReduce() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 96, 97)])
        var properties = tvProps()
        properties.pyramiding = 2
        let broker = tvRun(properties, bars, script: { index, broker in
            if index == 0 {
                broker.entry("a", .long, qty: 3, limit: 98, oca: "r", ocaType: .reduce)
                broker.entry("b", .long, qty: 5, limit: 97, oca: "r", ocaType: .reduce)
            }
        })
        // 100→96: a fills 3 at 98; b is reduced to 2 and fills at 97.
        #expect(broker.openTrades.map(\.quantity) == [3, 2])
        #expect(broker.openTrades.map(\.entryPrice) == [98, 97])
    }

    @Test("strategy.exit with qty_percent exits a trade once, even when re-issued every bar")
    func exitOnlyOnce() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 103, 100, 103), (103, 104, 103, 104)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 2) }
            broker.exit("half", from: "L", qtyPercent: 50, profit: 2)
        })
        // Bar 2: 1 sold at 102. Bar 3 opens at 103 above the TP, but the leg is spent.
        #expect(broker.closedTrades.map(\.quantity) == [1])
        #expect(broker.closedTrades.map(\.exitPrice) == [102])
        #expect(broker.positionSize == 1)
    }

    @Test("sticky partial bracket: qty_percent reserves a slice of the original size; the rest leg closes the rest")
    func stickyPartialBracket() {
        // Long 2 from 100; every bar: HALF (50 %, TP 105) and REST (no qty, SL 95).
        func run(_ bars: [(Double, Double, Double, Double)]) -> TradingViewBroker {
            tvRun(tvProps(), tvBars(bars), script: { index, broker in
                if index == 0 { broker.entry("L", .long, qty: 2) }
                if index >= 1 {
                    broker.exit("HALF", from: "L", qtyPercent: 50, limit: 105)
                    broker.exit("REST", from: "L", stop: 95)
                }
            })
        }
        // TP first: 1 at 105; later bars above 105 do not re-fire HALF at 50 % of the remainder.
        let up = run([(100, 100, 100, 100), (100, 100, 100, 100), (101, 106, 101, 105), (106, 107, 106, 106),
                      (106, 108, 106, 107)])
        #expect(up.closedTrades.map(\.exitId) == ["HALF"] && up.closedTrades.map(\.quantity) == [1])
        #expect(up.positionSize == 1)
        // SL first: REST closes 2 − 1 reserved by HALF = 1, not the whole position.
        let down = run([(100, 100, 100, 100), (100, 100, 100, 100), (99, 99, 94, 95), (95, 96, 95, 95)])
        #expect(down.closedTrades.map(\.exitId) == ["REST"] && down.closedTrades.map(\.quantity) == [1])
        #expect(down.closedTrades.map(\.exitPrice) == [95] && down.positionSize == 1)
    }

    @Test("two exits with qty on one trade fill in path order: the stop nearer the open first")
    func twoStopsPathOrder() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (98, 98, 88, 92)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long, qty: 2) }
            if index == 1 {
                broker.exit("X_A", from: "L", qty: 1, stop: 95)
                broker.exit("X_B", from: "L", qty: 1, stop: 90)
            }
        })
        #expect(broker.closedTrades.map(\.exitId) == ["X_A", "X_B"])
        #expect(broker.closedTrades.map(\.exitPrice) == [95, 90])
    }

    @Test("trail_points without trail_offset arms a 0-tick trail: exit at the activation level")
    func trailWithoutOffset() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 103, 100, 101), (101, 101, 101, 101)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long) }
            broker.exit("X", from: "L", limit: 110, stop: 95, trailPoints: 2)
        })
        // Activation 102 on 100→103: a 0-tick trail fills right there, ahead of the far stop/limit.
        #expect(broker.closedTrades.map(\.exitPrice) == [102] && broker.closedTrades[0].exitBarIndex == 2)
    }

    @Test("from_entry binds the exit to one entry id")
    func fromEntryBinding() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 90, 92)])
        var properties = tvProps()
        properties.pyramiding = 2
        let broker = tvRun(properties, bars, script: { index, broker in
            if index == 0 { broker.entry("A", .long) }
            if index == 1 { broker.entry("B", .long) }
            broker.exit("xa", from: "A", loss: 5)
        })
        // Bar 3 falls to 90: only A's stop (95) exists; with FIFO A is also the oldest.
        #expect(broker.closedTrades.map(\.entryId) == ["A"])
        #expect(broker.openTrades.map(\.entryId) == ["B"])
    }

    @Test("an exit placed with a reversing entry survives the reversal and protects the new position")
    func exitForReversingEntry() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 106, 99, 104), (104, 104, 104, 104)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("S", .short) }
            if index == 1 {
                broker.entry("L", .long)
                broker.exit("xl", from: "L", profit: 5)
            }
        })
        // Bar 2: reversal at 100 (short closed, 0), then 99 → 106: TP 105 on the new long.
        #expect(broker.closedTrades.map(\.entryId) == ["S", "L"])
        #expect(broker.closedTrades.map(\.exitPrice) == [100, 105])
        #expect(broker.positionSize == 0)
    }

    @Test("an exit without from_entry protects the open position, not the one a reversal opens")
    func unboundExitOnReversal() {
        let bars = tvBars([
            (100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 100, 100),
            (100, 102, 100, 100),  // 3: reversal to short at 100; high 102 is above the short's 101 stop
            (100, 102, 100, 100),  // 4: the exit re-issued on bar 3 now protects the short: stop 101
            (100, 100, 100, 100),
        ])
        var sizes: [Double] = []
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 { broker.entry("L", .long) }
            if index == 2 { broker.entry("S", .short) }
            broker.exit("x", loss: 1)
        }, afterBar: { _, broker in sizes.append(broker.positionSize) })
        #expect(sizes == [0, 1, 1, -1, 0, 0])
        #expect(broker.closedTrades.map(\.entryId) == ["L", "S"])
        #expect(broker.closedTrades.map(\.exitPrice) == [100, 101])
        #expect(broker.closedTrades[1].exitBarIndex == 4)
    }

    @Test("strategy.cancel removes an unfilled order and an exit")
    func cancel() {
        let bars = tvBars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 101, 90, 91)])
        let broker = tvRun(tvProps(), bars, script: { index, broker in
            if index == 0 {
                broker.entry("L", .long)
                broker.entry("L2", .long, limit: 95)
                broker.exit("x", from: "L", loss: 5)
            }
            if index == 1 { broker.cancel(id: "L2"); broker.cancel(id: "x") }
        })
        #expect(broker.closedTrades.isEmpty && broker.openTrades.count == 1 && broker.positionSize == 1)
    }
}
