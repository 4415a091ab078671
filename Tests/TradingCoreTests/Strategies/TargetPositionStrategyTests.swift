import Testing
@testable import TradingCore

/// The strategy a Pine script trades through on a venue: one market order per change of target.
@Suite("TargetPositionStrategy: market orders for the difference to a target position")
struct TargetPositionStrategyTests {
    private static let symbol = try! TradingSymbol(parsing: "BTC/USDT")

    private static func bar(_ index: Int, close: Double = 100) -> Bar {
        Bar(openTime: Int64(index) * 3_600_000, open: close, high: close, low: close, close: close, volume: 10)
    }

    private static func configuration() -> BacktestConfiguration {
        BacktestConfiguration(strategyName: "TargetPosition", symbols: [symbol], timeframe: .oneHour, initialCash: 10_000, commission: 0)
    }

    private static func strategy(_ targets: [Double?], minimumQuantity: Double = 0) -> TargetPositionStrategy {
        TargetPositionStrategy(minimumQuantity: minimumQuantity) { bar, _ in
            let index = Int(bar.openTime / 3_600_000)
            return index < targets.count ? targets[index] : nil
        }
    }

    @Test("simulated fills: buy 1, hold, sell 0.75, hold, sell the last 0.25 — each order the exact difference")
    func simulatedTargets() throws {
        var session = try PaperSession(
            strategy: Self.strategy([1, 1, 0.25, nil, 0]), configuration: Self.configuration(), startTime: 0)
        for index in 0..<6 { _ = session.process(bar: Self.bar(index), symbol: Self.symbol) }
        #expect(session.orders.map(\.side) == [.buy, .sell, .sell])
        #expect(session.orders.map(\.quantity) == [1, 0.75, 0.25])
        #expect(session.orders.map(\.type) == [.market, .market, .market])
        #expect(session.orders.map(\.status) == [.filled, .filled, .filled])
        #expect(session.account.positions[0].quantity == 0)
        #expect(session.account.cash == 10_000)
    }

    @Test("external execution: a working order counts, so an unchanged target sends nothing more")
    func workingOrdersCount() throws {
        var session = try PaperSession(
            strategy: Self.strategy([2, 2, 2, 0.5]), configuration: Self.configuration(), startTime: 0, clientOrderIdPrefix: "ctx",
            externalExecution: true)
        for index in 0..<3 { _ = session.process(bar: Self.bar(index), symbol: Self.symbol) }
        let sent = session.takeVenueRequests().submissions
        #expect(sent.map(\.quantity) == [2])
        #expect(sent.map(\.clientOrderId) == ["ctx1"])
        // The venue fills 1.5 of 2; the target drops to 0.5: position 1.5 + 0.5 still to come → sell 1.5.
        _ = session.applyVenueUpdate(
            orderId: 1, status: .partiallyFilled, quantity: 2, filledQuantity: 1.5, averagePrice: 100, cumulativeFee: 0,
            reason: nil, time: 3 * 3_600_000)
        _ = session.process(bar: Self.bar(3), symbol: Self.symbol)
        let next = session.takeVenueRequests().submissions
        #expect(next.map(\.side) == [.sell])
        #expect(next.map(\.quantity) == [1.5])
    }

    @Test("a difference under the minimum quantity, or float noise, is not an order")
    func minimumQuantity() throws {
        var session = try PaperSession(
            strategy: Self.strategy([1, 1.0005, 1 + 1e-12, 0.998], minimumQuantity: 0.001), configuration: Self.configuration(), startTime: 0)
        for index in 0..<5 { _ = session.process(bar: Self.bar(index), symbol: Self.symbol) }
        #expect(session.orders.map(\.side) == [.buy, .sell])
        #expect(session.orders.map(\.quantity) == [1, 0.0020000000000000018])
    }
}
