import Testing
@testable import TradingCore

/// Pinned statistics of every built-in strategy on a seeded 5,000-bar hourly random walk with
/// regimes (`Fixtures.regimeWalk()`), default broker (10,000 cash, 0.1 % commission, next-open
/// fills). Any change in engine, broker, indicator or strategy behaviour shows up here; update the
/// pins only for an intended change and say why in the commit.
@Suite("Strategy regression pins")
struct StrategyRegressionTests {
    struct Pin: Sendable, CustomTestStringConvertible {
        let name: String
        let parameters: [String: ParameterValue]
        let trades: Int
        let open: Int
        let orders: Int
        let finalValue: Double
        let sharpe: Double?
        let maxDrawdown: Double
        let fees: Double
        let winRate: Double?
        let orderHash: String

        var testDescription: String { parameters.isEmpty ? name : "\(name) \(parameters)" }
    }

    static let pins: [Pin] = [
        Pin(name: "MovingAverageCross", parameters: [:], trades: 65, open: 1, orders: 131, finalValue: 53269.92691063447,
            sharpe: 7.168899731604659, maxDrawdown: 0.3187804583006678, fees: 2699.581084298691, winRate: 0.4153846153846154,
            orderHash: "b08282c69bf0a8f6"),
        Pin(name: "MovingAverageCross", parameters: ["stop_loss": .float(0.03), "take_profit": .float(0.06)], trades: 65, open: 1,
            orders: 236, finalValue: 14785.584651791958, sharpe: 2.626951782771132, maxDrawdown: 0.27875095077780315,
            fees: 1407.8368481447817, winRate: 0.4307692307692308, orderHash: "4a692ea84b89bdd6"),
        Pin(name: "MeanReversion", parameters: [:], trades: 8, open: 0, orders: 16, finalValue: 2441.1566922380957,
            sharpe: -6.51949318178595, maxDrawdown: 0.7685323129103321, fees: 55.15473044160336, winRate: 0.375,
            orderHash: "0480506a07eecacd"),
        Pin(name: "Breakout", parameters: [:], trades: 38, open: 1, orders: 77, finalValue: 75702.32245513343,
            sharpe: 8.62716299501772, maxDrawdown: 0.2948899599886662, fees: 2240.072298358751, winRate: 0.42105263157894735,
            orderHash: "e6dd7d188cc30c9d"),
        Pin(name: "Momentum", parameters: [:], trades: 300, open: 0, orders: 600, finalValue: 35608.15998085775,
            sharpe: 5.499884125616985, maxDrawdown: 0.3686100938287865, fees: 11328.964209149584, winRate: 0.3333333333333333,
            orderHash: "eaede6ba28d7b2a5"),
        Pin(name: "MACDTrend", parameters: [:], trades: 198, open: 0, orders: 396, finalValue: 13535.963592974074,
            sharpe: 1.4858612205863166, maxDrawdown: 0.5460874245692209, fees: 3673.8805060886875, winRate: 0.37373737373737376,
            orderHash: "435cba7bd3c93c61"),
        Pin(name: "BollingerReversion", parameters: [:], trades: 60, open: 0, orders: 120, finalValue: 3272.2516369143964,
            sharpe: -6.971416676630145, maxDrawdown: 0.7039315681566897, fees: 512.218435292309, winRate: 0.5166666666666667,
            orderHash: "7a48fc1d6a60326f"),
        Pin(name: "BollingerReversion", parameters: ["exit_band": .string("upper")], trades: 36, open: 0, orders: 72,
            finalValue: 3286.777776749469, sharpe: -5.204093374355279, maxDrawdown: 0.7287633041747494, fees: 268.14727490044334,
            winRate: 0.5833333333333334, orderHash: "0c9044b95579362d"),
        Pin(name: "BuyAndHold", parameters: [:], trades: 0, open: 1, orders: 1, finalValue: 31200.840589983494,
            sharpe: 3.7958014427572544, maxDrawdown: 0.7520394146218069, fees: 9.990009990009991, winRate: nil,
            orderHash: "afae896a47d1ba3c"),
        Pin(name: "TestStrategy", parameters: [:], trades: 18, open: 1, orders: 37, finalValue: 98468.73057209593,
            sharpe: 9.308892565053181, maxDrawdown: 0.21946787375762355, fees: 1132.5903073740315, winRate: 0.3888888888888889,
            orderHash: "f6647dcce036b579"),
    ]

    static let bars = Fixtures.regimeWalk()

    @Test("pinned run", arguments: pins)
    func pinned(_ pin: Pin) throws {
        let config = BacktestConfiguration(strategyName: pin.name, parameters: pin.parameters, symbols: [Fixtures.btc], timeframe: .oneHour)
        let report = try runBacktest(configuration: config, bars: [Fixtures.btc: Self.bars]).report
        let m = report.performanceMetrics
        #expect(m.totalTrades == pin.trades)
        #expect(m.openTrades == pin.open)
        #expect(report.orders.count == pin.orders)
        #expect(m.finalValue == pin.finalValue)
        #expect(m.maxDrawdown == pin.maxDrawdown)
        #expect(m.totalFees == pin.fees)
        #expect(m.winRate == pin.winRate)
        if let sharpe = pin.sharpe {
            #expect(abs(m.sharpeRatio! - sharpe) <= abs(sharpe) * 1e-12)
        } else {
            #expect(m.sharpeRatio == nil)
        }
        #expect(report.orderListHash == pin.orderHash)
        // Invariants that hold for every long-only spot run.
        #expect(report.equityCurve.allSatisfy { $0.cash >= 0 })
        #expect(abs(m.totalReturn - (m.finalValue / 10_000 - 1)) < 1e-15)
        #expect(report.equityCurve.count == Self.bars.count)
    }

    @Test func generatorIsDeterministic() {
        let bars = Fixtures.regimeWalk(count: 5_000)
        #expect(bars.count == 5_000)
        let consistent = bars.allSatisfy { $0.isConsistent }
        #expect(consistent)
        var hasher = FNV1a()
        for bar in bars {
            hasher.combine(bits: bar.open.bitPattern)
            hasher.combine(bits: bar.close.bitPattern)
        }
        #expect(hasher.value == Self.dataHash)
    }

    static let dataHash: UInt64 = 2_856_305_546_666_705_258
}
