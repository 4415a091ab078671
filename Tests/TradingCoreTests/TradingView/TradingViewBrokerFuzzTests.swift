import Testing
@testable import TradingCore

/// Random order flow on random bars: the accounting identities hold on every bar and nothing hangs.
@Suite("TradingView broker: invariants under random order flow")
struct TradingViewBrokerFuzzTests {
    /// Deterministic generator (SplitMix64) so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("equity = capital + net + open, position = Σ open trades, counts add up", arguments: [1, 2, 3, 4, 5, 6])
    func invariants(seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &* 7919)
        var properties = TradingViewStrategyProperties()
        properties.minTick = 0.5
        properties.pyramiding = Int.random(in: 0...3, using: &rng)
        properties.slippageTicks = Int.random(in: 0...2, using: &rng)
        properties.commissionType = [.percent, .cashPerContract, .cashPerOrder].randomElement(using: &rng)!
        properties.commissionValue = Double.random(in: 0...0.5, using: &rng)
        properties.processOrdersOnClose = Bool.random(using: &rng)
        properties.closeEntriesRule = Bool.random(using: &rng) ? .fifo : .any
        properties.defaultQtyType = [.fixed, .percentOfEquity, .cash].randomElement(using: &rng)!
        properties.defaultQtyValue = properties.defaultQtyType == .fixed ? 2 : 5
        properties.quantityStep = [0, 0.01, 1].randomElement(using: &rng)!
        properties.marginLong = [0, 50, 100].randomElement(using: &rng)!
        properties.marginShort = properties.marginLong
        let broker = TradingViewBroker(properties: properties)
        var price = 100.0
        let ids = ["A", "B", "C"]
        for index in 0..<400 {
            let open = (price + Double(Int.random(in: -4...4, using: &rng)) * 0.5).rounded()
            let close = max(5, open + Double(Int.random(in: -6...6, using: &rng)) * 0.5)
            let high = max(open, close) + Double(Int.random(in: 0...6, using: &rng)) * 0.5
            let low = max(1, min(open, close) - Double(Int.random(in: 0...6, using: &rng)) * 0.5)
            price = close
            broker.beginBar(Bar(openTime: Int64(index) * 3_600_000, open: open, high: high, low: low, close: close,
                                volume: 1), index: index)
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let id = ids.randomElement(using: &rng)!
                let direction: TradingViewDirection = Bool.random(using: &rng) ? .long : .short
                let offset = Double(Int.random(in: 1...8, using: &rng))
                switch Int.random(in: 0...9, using: &rng) {
                case 0: broker.entry(id, direction)
                case 1: broker.entry(id, direction, qty: 1, limit: direction == .long ? close - offset : close + offset)
                case 2: broker.entry(id, direction, stop: direction == .long ? close + offset : close - offset,
                                     oca: "g", ocaType: .cancel)
                case 3: broker.order(id, direction, qty: Double(Int.random(in: 1...3, using: &rng)))
                case 4: broker.close(id, qtyPercent: 50)
                case 5: broker.closeAll(comment: nil, immediately: Bool.random(using: &rng))
                case 6: broker.exit("x" + id, from: id, profit: offset * 4, loss: offset * 3)
                case 7: broker.exit("t", trailPoints: offset, trailOffset: 2)
                case 8: broker.entry(id, direction, limit: close - offset, stop: close + offset)
                default: broker.cancel(id: id)
                }
            }
            broker.endBar()
            let openTrades = broker.openTrades
            let size = openTrades.reduce(0) { $0 + $1.signedQuantity }
            #expect(abs(size - broker.positionSize) < 1e-9)
            #expect(Set(openTrades.map(\.direction)).count <= 1)
            let net = broker.closedTrades.reduce(0) { $0 + $1.profit }
            #expect(abs(net - broker.netProfit) < 1e-6)
            #expect(abs(broker.grossProfit - broker.grossLoss - broker.netProfit) < 1e-6)
            let openProfit = openTrades.reduce(0) { $0 + $1.profit }
            #expect(abs(openProfit - broker.openProfit) < 1e-6)
            #expect(abs(broker.equity - (broker.initialCapital + broker.netProfit + broker.openProfit)) < 1e-6)
            #expect(broker.winTrades + broker.lossTrades + broker.evenTrades == broker.closedTrades.count)
            #expect(broker.equity.isFinite && broker.maxDrawdown >= 0 && broker.maxRunup >= 0)
            for trade in broker.closedTrades.suffix(5) {
                #expect(trade.quantity > 0 && trade.exitPrice != nil && trade.commission >= 0)
                #expect(trade.maxRunup >= 0 && trade.maxDrawdown >= 0)
            }
        }
        // The flow is not vacuous: many fills and closed trades.
        #expect(broker.filledOrderCount > 50 && broker.closedTrades.count > 20)
    }
}
