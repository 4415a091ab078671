import MarketData
import Testing
import TradingCore

private let jan2024 = ISO8601Text.parse("2024-01-01T00:00:00Z")!
private func symbol(_ text: String) -> TradingSymbol { try! TradingSymbol(parsing: text) }

@Suite("sim exchange")
struct SyntheticMarketTests {
    @Test("the same request twice gives identical bars")
    func deterministic() throws {
        let a = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .fiveMinutes, from: jan2024, to: jan2024 + 86_400_000)
        let b = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .fiveMinutes, from: jan2024, to: jan2024 + 86_400_000)
        #expect(a.count == 288)
        #expect(a == b)
    }

    @Test("a sub-range equals the same timestamps of a bigger range", arguments: [Timeframe.oneMinute, .oneHour, .oneDay, .oneWeek, .oneMonth])
    func subRange(timeframe: Timeframe) throws {
        let market = SyntheticMarket(symbol: symbol("ETH/USDT"))
        let end = jan2024 + 400 * timeframe.milliseconds
        let whole = try market.bars(timeframe: timeframe, from: jan2024, to: end)
        let middleStart = whole[137].openTime
        let middle = try market.bars(timeframe: timeframe, from: middleStart - 1, to: whole[250].openTime + 1)
        #expect(middle.count == 114)
        #expect(Array(whole[137...250]) == middle)
        #expect(market.bar(timeframe: timeframe, containing: whole[200].openTime + 1) == whole[200])
    }

    @Test("100k bars are consistent, aligned, contiguous and chained", arguments: [
        ("BTC/USDT", Timeframe.oneMinute), ("ETH/BTC", .fifteenMinutes), ("DOGE/USDT", .oneHour), ("XYZ123/EUR", .fourHours),
        ("USDC/USDT", .oneSecond), ("SOL/USDT", .threeMinutes),
    ])
    func consistency(symbolText: String, timeframe: Timeframe) throws {
        let bars = try SimExchange.bars(symbol: symbol(symbolText), timeframe: timeframe, from: jan2024, to: jan2024 + 100_000 * timeframe.milliseconds)
        #expect(bars.count == 100_000)
        var failures = 0
        for (i, bar) in bars.enumerated() {
            var ok = bar.isConsistent && bar.volume > 0 && bar.openTime == jan2024 + Int64(i) * timeframe.milliseconds
            if i > 0 { ok = ok && bar.open == bars[i - 1].close }
            if !ok { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test("long timeframes over decades stay consistent and aligned", arguments: [Timeframe.oneDay, .threeDays, .oneWeek, .oneMonth])
    func longTimeframes(timeframe: Timeframe) throws {
        let start = ISO8601Text.parse("2000-01-01")!
        let bars = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: timeframe, from: start, to: ISO8601Text.parse("2040-01-01")!)
        #expect(bars.allSatisfy { $0.isConsistent && $0.volume > 0 && PeriodCalendar.isAligned($0.openTime, to: timeframe) })
        #expect(zip(bars, bars.dropFirst()).allSatisfy { $0.close == $1.open && PeriodCalendar.nextPeriodStart(after: $0.openTime, timeframe: timeframe) == $1.openTime })
        let prices = bars.map(\.close)
        #expect(prices.min()! > 5_000)
        #expect(prices.max()! < 400_000)
    }

    @Test("weekly bars open on Monday, monthly bars on the 1st")
    func alignment() throws {
        let weeks = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneWeek, from: jan2024 + 1, to: jan2024 + 30 * 86_400_000)
        #expect(weeks.map { ISO8601Text.format($0.openTime) } == ["2024-01-08T00:00:00Z", "2024-01-15T00:00:00Z", "2024-01-22T00:00:00Z", "2024-01-29T00:00:00Z"])
        let months = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneMonth, from: jan2024, to: ISO8601Text.parse("2024-04-15")!)
        #expect(months.map { ISO8601Text.format($0.openTime) } == ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z"])
        let minutes = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneMinute, from: jan2024 + 59_999, to: jan2024 + 180_001)
        #expect(minutes.map(\.openTime) == [jan2024 + 60_000, jan2024 + 120_000, jan2024 + 180_000])
    }

    @Test("different symbols give different series; the seed is FNV-1a of BASE/QUOTE")
    func symbolsDiffer() throws {
        let symbols = ["BTC/USDT", "BTC/USDC", "ETH/USDT", "AAA/BBB", "AAB/BBB"]
        var closes: [[Double]] = []
        for s in symbols {
            closes.append(try SimExchange.bars(symbol: symbol(s), timeframe: .oneHour, from: jan2024, to: jan2024 + 100 * 3_600_000).map { $0.close / $0.open })
        }
        for i in closes.indices {
            for j in closes.indices where j > i {
                #expect(closes[i] != closes[j], "\(symbols[i]) vs \(symbols[j])")
            }
        }
        #expect(SyntheticMarket(symbol: symbol("BTC/USDT")).seed == 0x39D6_8621_8C28_E341)
        #expect(SyntheticMarket(symbol: symbol("btc/usdt")) == SyntheticMarket(symbol: symbol("BTC/USDT")))
    }

    @Test("plausible levels: BTC in the tens of thousands, stablecoins near 1")
    func levels() throws {
        #expect(SyntheticMarket(symbol: symbol("BTC/USDT")).basePrice == 42_000)
        #expect(SyntheticMarket(symbol: symbol("USDC/USDT")).basePrice == 1)
        let btc = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneDay, from: jan2024, to: jan2024 + 365 * 86_400_000)
        #expect(btc.allSatisfy { $0.low > 10_000 && $0.high < 200_000 })
        let stable = try SimExchange.bars(symbol: symbol("USDC/USDT"), timeframe: .oneDay, from: jan2024, to: jan2024 + 365 * 86_400_000)
        #expect(stable.allSatisfy { $0.low > 0.95 && $0.high < 1.05 })
    }

    @Test("open and close agree across timeframes (they sample the same price path)")
    func crossTimeframe() throws {
        let market = SyntheticMarket(symbol: symbol("BTC/USDT"))
        let minutes = try market.bars(timeframe: .oneMinute, from: jan2024, to: jan2024 + 86_400_000)
        let hours = try market.bars(timeframe: .oneHour, from: jan2024, to: jan2024 + 86_400_000)
        let resampled = try BarResampler.resample(minutes, from: .oneMinute, to: .oneHour).bars
        #expect(resampled.map(\.open) == hours.map(\.open))
        #expect(resampled.map(\.close) == hours.map(\.close))
        let day = try market.bars(timeframe: .oneDay, from: jan2024, to: jan2024 + 86_400_000)
        #expect(day[0].open == minutes.first!.open && day[0].close == minutes.last!.close)
    }

    @Test("volume is higher when the market is more volatile")
    func volumeFollowsVolatility() throws {
        let bars = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneHour, from: jan2024, to: jan2024 + 2 * 365 * 86_400_000)
        let ranked = bars.sorted { $0.high / $0.low < $1.high / $1.low }
        let calm = ranked.prefix(bars.count / 4).map(\.volume).reduce(0, +)
        let wild = ranked.suffix(bars.count / 4).map(\.volume).reduce(0, +)
        #expect(wild > 2 * calm)
    }

    @Test("regression pin: the first three BTC/USDT 1h bars of 2024")
    func pinned() throws {
        let bars = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneHour, from: jan2024, to: jan2024 + 3 * 3_600_000)
        #expect(bars == [
            Bar(openTime: 1_704_067_200_000, open: 56223.12, high: 56657.89, low: 56212.7, close: 56571.43, volume: 1285.11),
            Bar(openTime: 1_704_070_800_000, open: 56571.43, high: 56884.46, low: 56461.18, close: 56818.29, volume: 1876.41),
            Bar(openTime: 1_704_074_400_000, open: 56818.29, high: 57264.39, low: 56805.79, close: 57251.26, volume: 2409.35),
        ])
    }

    @Test("invalid ranges are rejected")
    func invalidRanges() {
        let btc = symbol("BTC/USDT")
        #expect(throws: TradingError.self) { try SimExchange.bars(symbol: btc, timeframe: .oneHour, from: jan2024, to: jan2024) }
        do {
            _ = try SimExchange.bars(symbol: btc, timeframe: .oneHour, from: jan2024, to: jan2024 - 1)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidDateRange)
            #expect(error.message == "end 2023-12-31T23:59:59.999Z must be after start 2024-01-01T00:00:00Z")
        }
        do {
            _ = try SimExchange.bars(symbol: btc, timeframe: .oneSecond, from: jan2024, to: jan2024 + 365 * 86_400_000)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidDateRange)
            #expect(error.message == "the range holds 31536000 1s bars; the sim exchange generates at most 10000000 per request")
        }
        #expect(throws: TradingError.self) { try SimExchange.bars(symbol: btc, timeframe: .oneDay, from: -86_400_000, to: jan2024) }
        #expect((try? SimExchange.bars(symbol: btc, timeframe: .oneDay, from: jan2024 + 1, to: jan2024 + 2))?.isEmpty == true)
    }

    // MARK: Real-time feed

    @Test("live feed emits the same bars as the range API, one per (accelerated) period")
    func liveFeed() async throws {
        let start = jan2024 + 30_000  // half-way through the first minute
        let feed = SimExchange.liveBars(symbol: symbol("BTC/USDT"), timeframe: .oneMinute, speed: 600_000, startTime: start, clock: ContinuousClock())
        var received: [Bar] = []
        for try await bar in feed {
            received.append(bar)
            if received.count == 4 { break }
        }
        let expected = try SimExchange.bars(symbol: symbol("BTC/USDT"), timeframe: .oneMinute, from: jan2024, to: jan2024 + 4 * 60_000)
        #expect(received == expected)
    }

    @Test("live feed schedule: bars are due when their period closes, scaled by speed")
    func liveSchedule() {
        let start = jan2024 + 30_000
        let feed = SimLiveFeed(market: SyntheticMarket(symbol: symbol("BTC/USDT")), timeframe: .oneMinute, speed: 60, startTime: start, clock: ContinuousClock())
        #expect(feed.firstOpenTime == jan2024)
        #expect(feed.emissionDelay(forBarOpeningAt: jan2024) == .milliseconds(500))
        #expect(feed.emissionDelay(forBarOpeningAt: jan2024 + 60_000) == .milliseconds(1500))
        let realTime = SimLiveFeed(market: SyntheticMarket(symbol: symbol("BTC/USDT")), timeframe: .oneHour, startTime: jan2024 + 3_599_000, clock: ContinuousClock())
        #expect(realTime.emissionDelay(forBarOpeningAt: jan2024) == .seconds(1))
    }

    @Test("cancelling the consumer ends a real-time feed")
    func liveCancellation() async throws {
        let feed = SimExchange.liveBars(symbol: symbol("BTC/USDT"), timeframe: .oneDay)
        let task = Task {
            var count = 0
            do {
                for try await _ in feed { count += 1 }
            } catch is CancellationError {
                return -1
            }
            return count
        }
        task.cancel()
        #expect(try await task.value == -1)
    }
}
