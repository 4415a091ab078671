@testable import TradingCore

/// Deterministic 64-bit generator (SplitMix64) for reproducible test data.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

enum Fixtures {
    static let hour: Int64 = 3_600_000
    static let start: Int64 = 1_700_000_000_000 - 1_700_000_000_000 % 3_600_000
    static let btc = try! TradingSymbol(parsing: "BTC/USDT")
    static let eth = try! TradingSymbol(parsing: "ETH/USDT")

    /// A bar with explicit OHLC.
    static func bar(_ index: Int, open: Double, high: Double, low: Double, close: Double, volume: Double = 1_000) -> Bar {
        Bar(openTime: start + Int64(index) * hour, open: open, high: high, low: low, close: close, volume: volume)
    }

    /// Bars from (open, close) pairs; high = max + 1, low = min − 1.
    static func bars(_ pairs: [(Double, Double)]) -> [Bar] {
        pairs.enumerated().map { index, pair in
            bar(index, open: pair.0, high: max(pair.0, pair.1) + 1, low: min(pair.0, pair.1) - 1, close: pair.1)
        }
    }

    /// Bars whose open equals close (flat candles) at the given closes.
    static func flatBars(_ closes: [Double]) -> [Bar] {
        closes.enumerated().map { index, close in bar(index, open: close, high: close, low: close, close: close) }
    }

    /// A seeded random walk with regimes (trend up, trend down, chop, volatile), hourly bars.
    static func regimeWalk(count: Int = 5_000, seed: UInt64 = 20_240_601, startPrice: Double = 30_000) -> [Bar] {
        var rng = SplitMix64(state: seed)
        var bars: [Bar] = []
        bars.reserveCapacity(count)
        var price = startPrice
        var drift = 0.0
        var volatility = 0.01
        for index in 0..<count {
            if index % 250 == 0 {
                switch rng.next() % 4 {
                case 0: drift = 0.0015; volatility = 0.008
                case 1: drift = -0.0015; volatility = 0.009
                case 2: drift = 0; volatility = 0.005
                default: drift = 0.0002; volatility = 0.02
                }
            }
            let open = price * (1 + (rng.unit() - 0.5) * volatility * 0.2)
            let change = drift + (rng.unit() - 0.5) * 2 * volatility
            let close = max(open * (1 + change), 1)
            let high = max(open, close) * (1 + rng.unit() * volatility * 0.5)
            let low = min(open, close) * (1 - rng.unit() * volatility * 0.5)
            let volume = 10 + rng.unit() * 90
            bars.append(Bar(openTime: start + Int64(index) * hour, open: open, high: high, low: low, close: close, volume: volume))
            price = close
        }
        return bars
    }
}

/// Drives a broker bar by bar the way the engine does (without a strategy).
struct BrokerHarness {
    var broker: SimulatedBroker
    var bars: [Bar] = []

    init(_ configuration: BrokerConfiguration = BrokerConfiguration(), symbols: Int = 1) {
        broker = SimulatedBroker(configuration: configuration, symbolCount: symbols)
    }

    /// Processes the next bar: open/range fills, mark, then close fills.
    mutating func step(_ bar: Bar, symbol: Int = 0) {
        let index = bars.count
        bars.append(bar)
        broker.begin(bar: index, time: bar.openTime)
        broker.processBar(symbol: symbol, bar: bar)
        broker.mark(symbol: symbol, price: bar.close)
        broker.processClose(symbol: symbol, bar: bar)
    }

    /// Processes a bar in two halves so orders can be submitted "during" it (after open, before close).
    mutating func open(_ bar: Bar, symbol: Int = 0) {
        let index = bars.count
        bars.append(bar)
        broker.begin(bar: index, time: bar.openTime)
        broker.processBar(symbol: symbol, bar: bar)
        broker.mark(symbol: symbol, price: bar.close)
    }

    mutating func close(_ bar: Bar, symbol: Int = 0) {
        broker.processClose(symbol: symbol, bar: bar)
    }

    @discardableResult
    mutating func submit(_ request: OrderRequest) -> Int { broker.submit(request) }

    func order(_ id: Int) -> Order { broker.order(id: id)! }
    var cash: Double { broker.account.cash }
    var position: Double { broker.account.positions[0].quantity }
}
