import Testing
@testable import TradingCore

/// External execution (sandbox and live runs): the broker keeps the books, a venue fills.
@Suite("External execution: a venue fills the orders")
struct ExternalExecutionTests {
    private static let symbol = try! TradingSymbol(parsing: "BTC/USDT")

    private static func bar(_ index: Int, close: Double) -> Bar {
        Bar(openTime: Int64(index) * 3_600_000, open: close, high: close, low: close, close: close, volume: 10)
    }

    @Test("a cash-sized buy is sized at submission, waits submitted, and books the venue's fills exactly")
    func buyAndHoldThroughVenue() throws {
        let configuration = BacktestConfiguration(
            strategyName: "BuyAndHold", symbols: [Self.symbol], timeframe: .oneHour, initialCash: 20_000, commission: 0.001)
        var session = try PaperSession(
            configuration: configuration, startTime: 0, clientOrderIdPrefix: "ctabc", externalExecution: true)
        let firstStep = session.process(bar: Self.bar(0, close: 100), symbol: Self.symbol)
        let first = try #require(firstStep)
        #expect(first.orders.map(\.status) == [.submitted])
        #expect(first.fills.isEmpty)
        // Bars fill nothing.
        let secondStep = session.process(bar: Self.bar(1, close: 90), symbol: Self.symbol)
        let second = try #require(secondStep)
        #expect(second.orders.isEmpty && second.fills.isEmpty)

        let requests = session.takeVenueRequests()
        #expect(requests.cancels.isEmpty)
        let order = try #require(requests.submissions.first)
        #expect(requests.submissions.count == 1)
        #expect(order.clientOrderId == "ctabc1")
        // 20,000 / (100 × 1.001): sized at the close seen when the strategy submitted.
        #expect(abs(try #require(order.quantity) - 20_000 / 100.1) < 1e-9)
        let again = session.takeVenueRequests()
        #expect(again.submissions.isEmpty)

        // The venue takes 100 (its step), fills 40 @ 100 with a 4.0 fee…
        let partialStep = session.applyVenueUpdate(
            orderId: 1, status: .partiallyFilled, quantity: 100, filledQuantity: 40, averagePrice: 100, cumulativeFee: 4,
            reason: nil, time: 3_600_000)
        let partial = try #require(partialStep)
        #expect(partial.orders.map(\.status) == [.partiallyFilled])
        #expect(partial.fills.map(\.quantity) == [40])
        #expect(partial.fills.map(\.price) == [100])
        #expect(partial.fills.map(\.fee) == [4])
        #expect(session.account.cash == 20_000 - 4_000 - 4)
        #expect(session.account.positions[0].quantity == 40)
        // …the same report again changes nothing…
        let repeated = session.applyVenueUpdate(
            orderId: 1, status: .partiallyFilled, quantity: 100, filledQuantity: 40, averagePrice: 100, cumulativeFee: 4,
            reason: nil, time: 3_600_000)
        #expect(repeated == nil)
        // …then the rest: 60 more at 102 (average 101.2), 6.12 more fees.
        let fullStep = session.applyVenueUpdate(
            orderId: 1, status: .filled, quantity: 100, filledQuantity: 100, averagePrice: 101.2, cumulativeFee: 10.12,
            reason: nil, time: 3_600_000)
        let full = try #require(fullStep)
        #expect(full.orders.map(\.status) == [.filled])
        let fill = try #require(full.fills.first)
        #expect(fill.quantity == 60)
        #expect(abs(fill.price - 102) < 1e-9)
        #expect(abs(fill.fee - 6.12) < 1e-9)
        #expect(abs(session.account.cash - (20_000 - 4_000 - 4 - 6_120 - 6.12)) < 1e-6)
        #expect(session.account.positions[0].quantity == 100)
        #expect(session.trades.count == 1)
        #expect(session.trades[0].isOpen)
        #expect(session.orders[0].status == .filled)
        // Fills keep their client order id for the journal.
        #expect(full.fills.first?.clientOrderId == "ctabc1")
    }

    @Test("a cancel waits for the venue; a venue rejection ends the order with its reason")
    func cancelAndReject() throws {
        var broker = SimulatedBroker(configuration: BrokerConfiguration(initialCash: 1_000, feeModel: .zero), symbolCount: 1)
        broker.externalExecution = true
        broker.begin(bar: 0, time: 0)
        broker.mark(symbol: 0, price: 50)
        let limit = broker.submit(OrderRequest(side: .buy, type: .limit, sizing: .quantity(1), limitPrice: 40))
        let market = broker.submit(OrderRequest(side: .buy, sizing: .cashFraction(0.5)))
        #expect(broker.orders.map(\.status) == [.submitted, .submitted])
        #expect(broker.order(id: market)?.quantity == 10)  // 500 / 50, no fees
        let cancelled = broker.cancel(id: limit)
        #expect(cancelled)
        #expect(broker.order(id: limit)?.status == .submitted)
        let requests = broker.takeVenueRequests()
        #expect(requests.submissions == [1, 2])
        #expect(requests.cancels == [1])
        let cancelApplied = broker.applyVenueUpdate(orderId: limit, status: .cancelled, filledQuantity: 0, averagePrice: nil, cumulativeFee: nil, reason: "cancelled on the venue", time: 1)
        #expect(cancelApplied)
        #expect(broker.order(id: limit)?.status == .cancelled)
        #expect(broker.order(id: limit)?.reason == "cancelled on the venue")
        let rejectApplied = broker.applyVenueUpdate(
            orderId: market, status: .rejected, filledQuantity: 0, averagePrice: nil, cumulativeFee: nil,
            reason: "Account has insufficient balance for requested action.", time: 1)
        #expect(rejectApplied)
        #expect(broker.order(id: market)?.status == .rejected)
        #expect(!broker.hasWorkingOrders)
        // A terminal order reported working again is ignored.
        let ignored = broker.applyVenueUpdate(orderId: market, status: .partiallyFilled, filledQuantity: 0, averagePrice: nil, cumulativeFee: nil, reason: nil, time: 2)
        #expect(!ignored)
        #expect(broker.account.cash == 1_000)
    }

    @Test("a whole-position sell is sized at submission; nothing to sell is rejected locally")
    func entirePosition() throws {
        var broker = SimulatedBroker(configuration: BrokerConfiguration(initialCash: 1_000, feeModel: .zero), symbolCount: 1)
        broker.externalExecution = true
        broker.begin(bar: 0, time: 0)
        broker.mark(symbol: 0, price: 50)
        let nothing = broker.submit(OrderRequest(side: .sell, sizing: .entirePosition))
        #expect(broker.order(id: nothing)?.status == .rejected)
        #expect(broker.order(id: nothing)?.reason == "no position to sell")
        let buy = broker.submit(OrderRequest(side: .buy, sizing: .quantity(2)))
        broker.applyVenueUpdate(orderId: buy, status: .filled, filledQuantity: 2, averagePrice: 50, cumulativeFee: 0, reason: nil, time: 1)
        let sell = broker.submit(OrderRequest(side: .sell, sizing: .entirePosition))
        #expect(broker.order(id: sell)?.quantity == 2)
        broker.applyVenueUpdate(orderId: sell, status: .filled, filledQuantity: 2, averagePrice: 55, cumulativeFee: 0, reason: nil, time: 2)
        #expect(broker.account.cash == 1_010)
        #expect(broker.trades.first?.pnl == 10)
        #expect(broker.trades.first?.isOpen == false)
    }
}
