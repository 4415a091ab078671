import Testing
@testable import TradingCore

private let noFees = BrokerConfiguration(initialCash: 10_000, feeModel: .zero)
private func b(_ i: Int, _ o: Double, _ h: Double, _ l: Double, _ c: Double, volume: Double = 1_000) -> Bar {
    Fixtures.bar(i, open: o, high: h, low: l, close: c, volume: volume)
}

@Suite("Simulated broker: market orders and timing")
struct BrokerMarketTests {
    @Test func marketOrderFillsAtNextOpen() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 101, 99, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(10)))
        h.close(b(0, 100, 101, 99, 100))
        #expect(h.order(id).status == .accepted)
        #expect(h.cash == 10_000)  // cash changes only on fill
        h.step(b(1, 102, 103, 101, 102.5))
        #expect(h.order(id).status == .filled)
        #expect(h.order(id).averageFillPrice == 102)
        #expect(h.cash == 10_000 - 1_020)
        #expect(h.position == 10)
    }

    @Test func marketOrderFillsAtSameBarCloseWithFillAtClose() {
        var config = noFees
        config.fillModel.timing = .close
        var h = BrokerHarness(config)
        h.open(b(0, 100, 101, 99, 100.5))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(10)))
        h.close(b(0, 100, 101, 99, 100.5))
        #expect(h.order(id).status == .filled)
        #expect(h.order(id).averageFillPrice == 100.5)
        #expect(h.cash == 10_000 - 1_005)
    }

    @Test func slippageMovesBuysUpAndSellsDown() {
        var config = noFees
        config.fillModel.slippage = .basisPoints(10)
        var h = BrokerHarness(config)
        h.open(b(0, 100, 101, 99, 100))
        let buy = h.submit(OrderRequest(side: .buy, sizing: .quantity(10)))
        h.step(b(1, 100, 101, 99, 100))
        #expect(h.order(buy).averageFillPrice == 100 * (1 + 10.0 / 10_000))
        let sell = h.submit(OrderRequest(side: .sell, sizing: .entirePosition))
        h.step(b(2, 100, 101, 99, 100))
        #expect(h.order(sell).averageFillPrice == 100 * (1 - 10.0 / 10_000))
        #expect(h.position == 0)
    }

    @Test func makerAndTakerRatesDiffer() {
        let config = BrokerConfiguration(initialCash: 10_000, feeModel: .proportional(maker: 0.0005, taker: 0.002))
        var h = BrokerHarness(config)
        h.open(b(0, 100, 101, 99, 100))
        let market = h.submit(OrderRequest(side: .buy, sizing: .quantity(10)))
        let limit = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(10), limitPrice: 99))
        h.step(b(1, 100, 101, 98, 100))
        #expect(h.order(market).fees == 1_000 * 0.002)
        #expect(h.order(limit).fees == 990 * 0.0005)
        #expect(h.cash == 10_000 - 1_000 - 2 - 990 - 0.495)
        #expect(h.broker.account.totalFees == 2 + 0.495)
    }

    @Test func cashFractionIsSizedAtFillPriceIncludingCommission() {
        let config = BrokerConfiguration(initialCash: 10_000, feeModel: .proportional(maker: 0.001, taker: 0.001))
        var h = BrokerHarness(config)
        h.open(b(0, 100, 101, 99, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .cashFraction(0.5)))
        #expect(h.order(id).quantity == nil)
        h.step(b(1, 103, 104, 102, 103))
        let q = h.order(id).filledQuantity
        #expect(q == 5_000 / (103 * 1.001))
        #expect(abs(q * 103 * 1.001 - 5_000) < 1e-9)
        #expect(abs(h.cash - 5_000) < 1e-9)
    }

    @Test func fullStakeNeverOverdrawsCash() {
        let config = BrokerConfiguration(initialCash: 10_000, feeModel: .proportional(maker: 0.001, taker: 0.001))
        for price in stride(from: 1.0, through: 500.0, by: 0.37) {
            var h = BrokerHarness(config)
            h.open(b(0, price, price, price, price))
            let id = h.submit(OrderRequest(side: .buy, sizing: .cashFraction(1)))
            h.step(b(1, price, price, price, price))
            #expect(h.order(id).status == .filled)
            #expect(h.cash >= 0)
            #expect(h.cash < 1e-9)
        }
    }
}

@Suite("Simulated broker: limit, stop, stop-limit")
struct BrokerTriggerTests {
    /// A harness holding 10 units bought at 100.
    static func holding() -> BrokerHarness {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        h.submit(OrderRequest(side: .buy, sizing: .quantity(10)))
        h.step(b(1, 100, 100, 100, 100))
        return h
    }

    @Test func buyLimitGapFillsAtOpen() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 101, 102, 100.5, 101))
        let id = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100))
        h.step(b(1, 98, 99, 97, 98.5))
        #expect(h.order(id).averageFillPrice == 98)
    }

    @Test func buyLimitTouchFillsAtLimit() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 101, 102, 100.5, 101))
        let id = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100))
        h.step(b(1, 102, 103, 100.5, 101))
        #expect(h.order(id).status == .accepted)  // low 100.5 never reached 100
        h.step(b(2, 102, 103, 99, 101))
        #expect(h.order(id).status == .filled)
        #expect(h.order(id).averageFillPrice == 100)
    }

    @Test func limitOrderIsNotCheckedAgainstItsOwnBar() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 101, 102, 95, 101))  // this bar's low is below the limit, but it is already past
        let id = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100))
        h.close(b(0, 101, 102, 95, 101))
        #expect(h.order(id).status == .accepted)
    }

    @Test func sellLimitGapAndTouch() {
        var h = Self.holding()
        let gap = h.submit(OrderRequest(side: .sell, type: .limit, sizing: .quantity(5), limitPrice: 110))
        h.step(b(2, 112, 113, 111, 112))
        #expect(h.order(gap).averageFillPrice == 112)
        let touch = h.submit(OrderRequest(side: .sell, type: .limit, sizing: .quantity(5), limitPrice: 115))
        h.step(b(3, 112, 116, 111, 112))
        #expect(h.order(touch).averageFillPrice == 115)
        #expect(h.position == 0)
        #expect(h.cash == 10_000 - 1_000 + 560 + 575)
    }

    @Test func sellStopGapFillsAtOpen() {
        var h = Self.holding()
        let id = h.submit(OrderRequest(side: .sell, type: .stop, sizing: .quantity(10), stopPrice: 90))
        h.step(b(2, 85, 86, 84, 85))
        #expect(h.order(id).averageFillPrice == 85)
    }

    @Test func sellStopTouchFillsAtStop() {
        var h = Self.holding()
        let id = h.submit(OrderRequest(side: .sell, type: .stop, sizing: .quantity(10), stopPrice: 90))
        h.step(b(2, 95, 96, 89, 92))
        #expect(h.order(id).averageFillPrice == 90)
        #expect(h.order(id).triggered)
    }

    @Test func buyStopGapAndTouch() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let gap = h.submit(OrderRequest(side: .buy, type: .stop, sizing: .quantity(1), stopPrice: 105))
        let touch = h.submit(OrderRequest(side: .buy, type: .stop, sizing: .quantity(1), stopPrice: 109))
        h.step(b(1, 107, 110, 106, 108))
        #expect(h.order(gap).averageFillPrice == 107)
        #expect(h.order(touch).averageFillPrice == 109)
    }

    @Test func stopLimitFillsInTriggerBarWhenStopSatisfiesLimit() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, type: .stopLimit, sizing: .quantity(1), limitPrice: 106, stopPrice: 105))
        h.step(b(1, 100, 107, 99, 106))
        #expect(h.order(id).averageFillPrice == 105)
    }

    @Test func stopLimitWithLimitBeyondStopWaitsForNextBar() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, type: .stopLimit, sizing: .quantity(1), limitPrice: 103, stopPrice: 105))
        h.step(b(1, 100, 107, 99, 106))  // triggers at 105; 105 > limit 103: no fill in the trigger bar
        #expect(h.order(id).triggered)
        #expect(h.order(id).status == .accepted)
        h.step(b(2, 104, 105, 102, 104))  // now a plain limit at 103
        #expect(h.order(id).averageFillPrice == 103)
    }

    @Test func stopLimitGapPastLimitFillsLaterInSameBar() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, type: .stopLimit, sizing: .quantity(1), limitPrice: 106, stopPrice: 105))
        h.step(b(1, 108, 109, 105, 106))  // triggered at the open (108 > limit), then trades down to 106
        #expect(h.order(id).averageFillPrice == 106)
    }

    @Test func stopLimitGapInsideLimitFillsAtOpen() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, type: .stopLimit, sizing: .quantity(1), limitPrice: 106, stopPrice: 105))
        h.step(b(1, 105.5, 109, 105, 106))
        #expect(h.order(id).averageFillPrice == 105.5)
    }

    @Test func limitFillNeverWorseThanLimitWithSlippage() {
        var config = noFees
        config.fillModel.slippage = .basisPoints(10)
        var h = BrokerHarness(config)
        h.open(b(0, 101, 101, 101, 101))
        let touch = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100))
        let gap = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100))
        h.step(b(1, 99.95, 101, 99, 100))
        // Gap fill: 99.95 × 1.001 = 100.04995 → clamped to 100.
        #expect(h.order(touch).averageFillPrice == 100)
        #expect(h.order(gap).averageFillPrice == 100)
        // A deep gap keeps its slippage: 90 × 1.001 = 90.09 ≤ 100.
        let deep = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100))
        h.step(b(2, 90, 91, 89, 90))
        #expect(h.order(deep).averageFillPrice == 90 * 1.001)
    }
}

@Suite("Simulated broker: rejections and dust")
struct BrokerRejectionTests {
    @Test func buyBeyondCashIsRejectedAtFillTime() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(200)))
        #expect(h.order(id).status == .accepted)
        h.step(b(1, 100, 100, 100, 100))
        #expect(h.order(id).status == .rejected)
        #expect(h.order(id).reason?.hasPrefix("insufficient cash") == true)
        #expect(h.cash == 10_000)
    }

    @Test func buyJustAffordableOnlyWithoutFee() {
        let config = BrokerConfiguration(initialCash: 10_000, feeModel: .proportional(maker: 0.001, taker: 0.001))
        var h = BrokerHarness(config)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(100)))  // 10,000 + 10 fee > cash
        h.step(b(1, 100, 100, 100, 100))
        #expect(h.order(id).status == .rejected)
    }

    @Test func sellBeyondPositionIsRejected() {
        var h = BrokerTriggerTests.holding()
        let id = h.submit(OrderRequest(side: .sell, sizing: .quantity(11)))
        h.step(b(2, 100, 100, 100, 100))
        #expect(h.order(id).status == .rejected)
        #expect(h.order(id).reason?.hasPrefix("insufficient position") == true)
        #expect(h.position == 10)
    }

    @Test func sellWithoutPositionIsRejected() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .sell, sizing: .entirePosition))
        h.step(b(1, 100, 100, 100, 100))
        #expect(h.order(id).status == .rejected)
        #expect(h.order(id).reason == "no position to sell")
    }

    @Test func belowMinimumQuantityRejectedAtSubmit() {
        var config = noFees
        config.minimumQuantity = 0.01
        var h = BrokerHarness(config)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(0.001)))
        #expect(h.order(id).status == .rejected)
        #expect(h.order(id).reason?.contains("minimum quantity") == true)
        #expect(!h.broker.hasWorkingOrders)
    }

    @Test func belowMinimumNotionalRejectedAtFill() {
        var config = noFees
        config.minimumNotional = 10
        var h = BrokerHarness(config)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(0.05)))
        h.step(b(1, 100, 100, 100, 100))
        #expect(h.order(id).status == .rejected)
        #expect(h.order(id).reason?.contains("minimum notional") == true)
        #expect(h.cash == 10_000)
        // Cash-sized dust too.
        let small = h.submit(OrderRequest(side: .buy, sizing: .cashAmount(5)))
        h.step(b(2, 100, 100, 100, 100))
        #expect(h.order(small).status == .rejected)
    }

    @Test func invalidRequestsRejectedAtSubmit() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let noLimit = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1)))
        let noStop = h.submit(OrderRequest(side: .sell, type: .stop, sizing: .quantity(1)))
        let badFraction = h.submit(OrderRequest(side: .buy, sizing: .cashFraction(1.5)))
        let cashSell = h.submit(OrderRequest(side: .sell, sizing: .cashFraction(0.5)))
        let badSymbol = h.submit(OrderRequest(symbol: 3, side: .buy, sizing: .quantity(1)))
        for id in [noLimit, noStop, badFraction, cashSell, badSymbol] {
            #expect(h.order(id).status == .rejected)
            #expect(h.order(id).reason != nil)
        }
    }

    @Test func cancelWorkingOrder() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 50))
        let first = h.broker.cancel(id: id)
        #expect(first)
        #expect(h.order(id).status == .cancelled)
        let second = h.broker.cancel(id: id)
        #expect(!second)
        h.step(b(1, 40, 41, 39, 40))
        #expect(h.order(id).filledQuantity == 0)
    }
}

@Suite("Simulated broker: OCO brackets, IOC, FOK, partial fills")
struct BrokerAdvancedTests {
    @Test func takeProfitFillCancelsStopLoss() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let entry = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), bracket: .init(stopLoss: 0.05, takeProfit: 0.1)))
        h.step(b(1, 100, 101, 99, 100))
        #expect(h.order(entry).status == .filled)
        let stop = h.order(entry + 1), target = h.order(entry + 2)
        #expect(stop.type == .stop && stop.stopPrice == 95 && stop.ocoGroup != nil && stop.parentId == entry)
        #expect(target.type == .limit && target.limitPrice == 100 * 1.1 && target.ocoGroup == stop.ocoGroup)
        h.step(b(2, 105, 111, 104, 110))
        #expect(h.order(target.id).status == .filled)
        #expect(h.order(target.id).averageFillPrice == 100 * 1.1)
        #expect(h.order(stop.id).status == .cancelled)
        #expect(h.order(stop.id).reason?.hasPrefix("OCO") == true)
        #expect(h.position == 0)
        #expect(h.broker.trades.count == 1 && !h.broker.trades[0].isOpen)
    }

    @Test func stopLossCanHitInTheEntryBar() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let entry = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), bracket: .init(stopLoss: 0.05, takeProfit: 0.1)))
        h.step(b(1, 100, 101, 94, 96))  // entry at the open, then the low reaches 95
        #expect(h.order(entry + 1).status == .filled)
        #expect(h.order(entry + 1).averageFillPrice == 95)
        #expect(h.order(entry + 2).status == .cancelled)
        #expect(h.cash == 10_000 - 1_000 + 950)
    }

    @Test func gapThroughStopLossFillsAtOpen() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let entry = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), bracket: .init(stopLoss: 0.05)))
        h.step(b(1, 100, 101, 99, 100))
        h.step(b(2, 90, 91, 88, 89))
        #expect(h.order(entry + 1).averageFillPrice == 90)
    }

    @Test func closingThePositionCancelsBracketLegs() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let entry = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), bracket: .init(stopLoss: 0.05, takeProfit: 0.5)))
        h.step(b(1, 100, 101, 99, 100))
        let exit = h.submit(OrderRequest(side: .sell, sizing: .entirePosition))
        h.step(b(2, 100, 101, 99, 100))
        #expect(h.order(exit).status == .filled)
        #expect(h.order(entry + 1).status == .cancelled)
        #expect(h.order(entry + 2).status == .cancelled)
        #expect(!h.broker.hasWorkingOrders)
    }

    @Test func iocLimitNotReachedExpires() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 101, 101, 101, 101))
        let id = h.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 100, timeInForce: .ioc))
        h.step(b(1, 102, 103, 101, 102))
        #expect(h.order(id).status == .expired)
        h.step(b(2, 99, 99, 98, 99))
        #expect(h.order(id).filledQuantity == 0)
    }

    @Test func iocFillsWhatVolumeAllowsAndExpiresTheRest() {
        var config = noFees
        config.fillModel.volumeParticipation = 0.1
        var h = BrokerHarness(config)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), timeInForce: .ioc))
        h.step(b(1, 100, 101, 99, 100, volume: 50))  // cap 5
        #expect(h.order(id).status == .expired)
        #expect(h.order(id).filledQuantity == 5)
        #expect(h.position == 5)
    }

    @Test func fokWithoutEnoughVolumeExpiresUnfilled() {
        var config = noFees
        config.fillModel.volumeParticipation = 0.1
        var h = BrokerHarness(config)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), timeInForce: .fok))
        h.step(b(1, 100, 101, 99, 100, volume: 50))
        #expect(h.order(id).status == .expired)
        #expect(h.order(id).filledQuantity == 0)
        #expect(h.cash == 10_000)
        let full = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), timeInForce: .fok))
        h.step(b(2, 100, 101, 99, 100, volume: 500))
        #expect(h.order(full).status == .filled)
    }

    @Test func partialFillsAverageIntoFinalPrice() {
        var config = noFees
        config.fillModel.volumeParticipation = 0.1
        var h = BrokerHarness(config)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(10)))
        h.step(b(1, 100, 101, 99, 100, volume: 40))  // 4 at 100
        #expect(h.order(id).status == .partiallyFilled)
        h.step(b(2, 110, 111, 109, 110, volume: 1_000))  // 6 at 110
        #expect(h.order(id).status == .filled)
        #expect(h.order(id).filledQuantity == 10)
        #expect(h.order(id).averageFillPrice == (400.0 + 660.0) / 10)
        #expect(h.cash == 10_000 - 1_060)
    }

    @Test func fokMarketFillsCompletelyWithoutCap() {
        var h = BrokerHarness(noFees)
        h.open(b(0, 100, 100, 100, 100))
        let id = h.submit(OrderRequest(side: .buy, sizing: .quantity(10), timeInForce: .fok))
        h.step(b(1, 100, 101, 99, 100))
        #expect(h.order(id).status == .filled)
    }
}
