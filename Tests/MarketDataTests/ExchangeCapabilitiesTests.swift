import MarketData
import Testing
import TradingCore

@Suite("Exchange capabilities")
struct ExchangeCapabilitiesTests {
    @Test("catalogue ids and lookup")
    func catalogue() {
        #expect(ExchangeCapabilities.catalogue.map(\.id) == ["sim", "binance", "bybit", "okx", "kraken", "coinbase"])
        #expect(ExchangeCapabilities.named("OKX")?.displayName == "OKX")
        #expect(ExchangeCapabilities.named("ftx") == nil)
        #expect(SimExchange.capabilities == .sim)
    }

    @Test("sim: every timeframe, backtest and paper, no credentials")
    func sim() {
        let sim = ExchangeCapabilities.sim
        #expect(sim.timeframes == Timeframe.allCases)
        #expect(sim.modes == [.backtest, .paper])
        #expect(sim.credentialFields.isEmpty)
        #expect(!sim.supports(.live))
    }

    @Test("venue credentials, fees and timeframes")
    func venues() {
        #expect(ExchangeCapabilities.binance.credentialFields.map(\.name) == ["apiKey", "secret"])
        #expect(ExchangeCapabilities.okx.credentialFields.map(\.name) == ["apiKey", "secret", "password"])
        #expect(ExchangeCapabilities.coinbase.credentialFields.map(\.name) == ["apiKey", "secret", "password"])
        let fees = ExchangeCapabilities.catalogue.map { [$0.makerFee, $0.takerFee] }
        #expect(fees == [[0.001, 0.001], [0.001, 0.001], [0.001, 0.001], [0.0008, 0.001], [0.0025, 0.004], [0.004, 0.006]])
        #expect(ExchangeCapabilities.binance.supports(.oneSecond))
        #expect(!ExchangeCapabilities.kraken.supports(.threeMinutes))
        #expect(!ExchangeCapabilities.kraken.supports(.sandbox))
        #expect(ExchangeCapabilities.bybit.supports(.sandbox))
        for venue in ExchangeCapabilities.catalogue {
            // Timeframes listed in the contract's order, no duplicates.
            let order = venue.timeframes.map { Timeframe.allCases.firstIndex(of: $0)! }
            #expect(order == order.sorted() && Set(order).count == order.count, "\(venue.id)")
        }
    }
}
