@testable import TradingCore

/// Hourly bars from (open, high, low, close) tuples; bar `i` opens at `start + i·step` ms.
func tvBars(_ prices: [(Double, Double, Double, Double)], start: Int64 = 0, step: Int64 = 3_600_000) -> [Bar] {
    prices.enumerated().map { index, p in
        Bar(openTime: start + Int64(index) * step, open: p.0, high: p.1, low: p.2, close: p.3, volume: 1)
    }
}

/// Drives a broker the way the Pine runtime does: beginBar, the script on the close, endBar.
@discardableResult
func tvRun(_ properties: TradingViewStrategyProperties, _ bars: [Bar],
           script: (Int, TradingViewBroker) -> Void = { _, _ in },
           afterBar: (Int, TradingViewBroker) -> Void = { _, _ in }) -> TradingViewBroker {
    let broker = TradingViewBroker(properties: properties)
    for (index, bar) in bars.enumerated() {
        broker.beginBar(bar, index: index)
        script(index, broker)
        broker.endBar()
        afterBar(index, broker)
    }
    broker.finish()
    return broker
}

func tvProps(_ configure: (inout TradingViewStrategyProperties) -> Void = { _ in }) -> TradingViewStrategyProperties {
    var properties = TradingViewStrategyProperties()
    properties.minTick = 1
    configure(&properties)
    return properties
}

func tvApprox(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance * max(1, abs(b))
}

extension TradingViewBroker {
    func entry(_ id: String, _ direction: TradingViewDirection, qty: Double? = nil, limit: Double? = nil,
               stop: Double? = nil, oca: String? = nil, ocaType: TradingViewOCAType = .none, comment: String? = nil) {
        entry(id: id, direction: direction, qty: qty, limit: limit, stop: stop, ocaName: oca, ocaType: ocaType,
              comment: comment)
    }

    func order(_ id: String, _ direction: TradingViewDirection, qty: Double? = nil, limit: Double? = nil,
               stop: Double? = nil, comment: String? = nil) {
        order(id: id, direction: direction, qty: qty, limit: limit, stop: stop, ocaName: nil, ocaType: .none,
              comment: comment)
    }

    func close(_ id: String, qty: Double? = nil, qtyPercent: Double? = nil, comment: String? = nil,
               immediately: Bool = false) {
        close(id: id, qty: qty, qtyPercent: qtyPercent, comment: comment, immediately: immediately)
    }

    func exit(_ id: String, from: String? = nil, qty: Double? = nil, qtyPercent: Double? = nil,
              profit: Double? = nil, limit: Double? = nil, loss: Double? = nil, stop: Double? = nil,
              trailPrice: Double? = nil, trailPoints: Double? = nil, trailOffset: Double? = nil,
              comment: String? = nil, commentProfit: String? = nil, commentLoss: String? = nil,
              commentTrailing: String? = nil) {
        exit(id: id, fromEntry: from, qty: qty, qtyPercent: qtyPercent, profit: profit, limit: limit, loss: loss,
             stop: stop, trailPrice: trailPrice, trailPoints: trailPoints, trailOffset: trailOffset, ocaName: nil,
             comment: comment, commentProfit: commentProfit, commentLoss: commentLoss,
             commentTrailing: commentTrailing)
    }
}
