import DataAccess
import MarketData
import Storage
import Testing
import TradingCore

@Suite("DataResolver")
struct DataResolverTests {
    static let symbol = try! TradingSymbol(parsing: "BTC/USDT")
    static let start: Int64 = 1_704_067_200_000  // 2024-01-01T00:00:00Z
    static let hour: Int64 = 3_600_000

    /// Runs `body` with an in-memory store, closed afterwards.
    func withStore(_ body: (CandleStore) async throws -> Void) async throws {
        let database = try await Database.openInMemory()
        do {
            try await body(database.candles)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test("sim is generated offline, exactly the bars SimExchange gives")
    func sim() async throws {
        let resolver = DataResolver(store: nil)
        let bars = try await resolver.bars(exchange: "sim", symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 48 * Self.hour)
        #expect(bars.count == 48)
        #expect(bars == (try SimExchange.bars(symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 48 * Self.hour)))
    }

    @Test("bars imported under a name of one's own come back exactly, full range when no bounds are given")
    func imported() async throws {
        try await withStore { store in
            let bars = try SimExchange.bars(symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 100 * Self.hour)
            try await store.upsert(exchange: "mydata", symbol: Self.symbol, timeframe: .oneHour, bars: bars)
            let resolver = DataResolver(store: store)
            #expect(try await resolver.bars(exchange: "mydata", symbol: Self.symbol, timeframe: .oneHour, from: nil, to: nil) == bars)
            let slice = try await resolver.bars(
                exchange: "MyData", symbol: Self.symbol, timeframe: .oneHour, from: Self.start + 10 * Self.hour, to: Self.start + 20 * Self.hour)
            #expect(slice == Array(bars[10..<20]))
        }
    }

    @Test("each failure has its own code and names what is missing")
    func errors() async throws {
        try await withStore { store in
            let bars = try SimExchange.bars(symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 10 * Self.hour)
            try await store.upsert(exchange: "mydata", symbol: Self.symbol, timeframe: .oneHour, bars: bars)
            let resolver = DataResolver(store: store)
            let eth = try TradingSymbol(parsing: "ETH/USDT")

            await #expect(throws: TradingError.self) { _ = try await resolver.bars(exchange: "nowhere", symbol: Self.symbol, timeframe: .oneHour, from: nil, to: nil) }
            do throws(TradingError) {
                _ = try await resolver.bars(exchange: "nowhere", symbol: Self.symbol, timeframe: .oneHour, from: nil, to: nil)
            } catch {
                #expect(error.code == .unknownExchange)
                #expect(error.details["available"] == .list(["sim", "binance", "bybit", "okx", "kraken", "coinbase"]))
            }
            do throws(TradingError) {
                _ = try await resolver.bars(exchange: "mydata", symbol: eth, timeframe: .oneHour, from: nil, to: nil)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .dataUnavailable)
                #expect(error.message == "no 1h candles for ETH/USDT are stored under 'mydata'; import them with `cracktrader data import`")
            }
            do throws(TradingError) {
                _ = try await resolver.bars(exchange: "mydata", symbol: Self.symbol, timeframe: .oneHour, from: Self.start + 100 * Self.hour, to: Self.start + 200 * Self.hour)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .dataUnavailable)
                #expect(error.details["missing_start"] == .text("2024-01-05T04:00:00.000Z"))
                #expect(error.details["missing_end"] == .text("2024-01-09T08:00:00.000Z"))
            }
            do throws(TradingError) {
                _ = try await resolver.bars(exchange: "sim", symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .invalidDateRange)
            }
            do throws(TradingError) {
                _ = try await resolver.bars(exchange: "coinbase", symbol: Self.symbol, timeframe: .fourHours, from: Self.start, to: Self.start + Self.hour * 8)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .invalidTimeframe)
            }
        }
    }

    @Test("a venue without downloads serves only what is cached, and says so when nothing is")
    func venueOffline() async throws {
        try await withStore { store in
            let resolver = DataResolver(store: store, httpClient: nil)
            do throws(TradingError) {
                _ = try await resolver.bars(exchange: "binance", symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 5 * Self.hour)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .dataUnavailable)
                #expect(error.details["reason"] == .text("nothing is cached and downloads are off"))
                #expect(error.details["exchange"] == .text("binance"))
            }
            let bars = try SimExchange.bars(symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 5 * Self.hour)
            try await store.upsert(exchange: "binance", symbol: Self.symbol, timeframe: .oneHour, bars: bars)
            #expect(try await resolver.bars(exchange: "binance", symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 5 * Self.hour) == bars)
        }
    }

    @Test("a CSV imported into the store backtests exactly like the CSV itself")
    func csvEquivalence() async throws {
        try await withStore { store in
            let bars = try SimExchange.bars(symbol: Self.symbol, timeframe: .oneHour, from: Self.start, to: Self.start + 2_000 * Self.hour)
            var csv = "timestamp,open,high,low,close,volume\n"
            for bar in bars { csv += "\(bar.openTime),\(bar.open),\(bar.high),\(bar.low),\(bar.close),\(bar.volume)\n" }
            let parsed = try CandleCSVParser.parse(text: csv)
            let imported = try CandleCSVParser.parse(text: csv, options: .importing(timeframe: .oneHour))
            try await store.upsert(exchange: "csvdata", symbol: Self.symbol, timeframe: .oneHour, bars: imported.bars)
            let fromStore = try await DataResolver(store: store).bars(exchange: "csvdata", symbol: Self.symbol, timeframe: .oneHour, from: nil, to: nil)
            #expect(fromStore == parsed.bars)
            let configuration = BacktestConfiguration(strategyName: "MovingAverageCross", parameters: [:], symbols: [Self.symbol], timeframe: .oneHour)
            let direct = try runBacktest(configuration: configuration, bars: [Self.symbol: parsed.bars])
            let viaStore = try runBacktest(configuration: configuration, bars: [Self.symbol: fromStore])
            #expect(direct.report.jsonData() == viaStore.report.jsonData())
            #expect(direct.report.performanceMetrics.totalTrades > 0)
        }
    }
}
