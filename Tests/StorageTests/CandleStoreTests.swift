import Testing
import TradingCore
@testable import Storage

@Suite("CandleStore")
struct CandleStoreTests {
    @Test("upsert then range query round-trips every bit, across chunk boundaries")
    func roundTrip() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            var bars = makeSeries(start: 0, step: minute, count: 5_000)  // 3 chunks of 2,048 periods
            // Awkward doubles: 0.1 + 0.2, the smallest subnormal as a price, negative zero volume.
            bars[1] = Bar(openTime: minute, open: 0.1 + 0.2, high: 0.30000000000000004, low: 0.1 + 0.2, close: 0.30000000000000004, volume: -0.0)
            bars[2] = Bar(openTime: 2 * minute, open: .leastNonzeroMagnitude, high: 1e300, low: .leastNonzeroMagnitude, close: 1e-300, volume: .greatestFiniteMagnitude)
            #expect(try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: bars) == 5_000)

            let all = try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 0, to: 5_000 * minute)
            #expect(bitIdentical(all, bars))
            #expect(all[1].volume.sign == .minus)

            // [from, to) with unaligned bounds and a range straddling the 2,048-bar chunk border.
            let middle = try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 2_000 * minute - 1, to: 2_100 * minute)
            #expect(bitIdentical(middle, Array(bars[2_000..<2_100])))
            let tail = try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 4_999 * minute, to: 10_000 * minute)
            #expect(bitIdentical(tail, [bars[4_999]]))
            #expect(try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 10, to: 10).isEmpty)
            // Other keys see nothing; the exchange name is case-insensitive.
            #expect(try await store.bars(exchange: "binance", symbol: eth, timeframe: .oneMinute, from: 0, to: .max).isEmpty)
            #expect(try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 0, to: .max).isEmpty)
            #expect(try await store.bars(exchange: "Binance", symbol: btc, timeframe: .oneMinute, from: 0, to: .max).count == 5_000)

            let chunks = try await database.integers("SELECT COUNT(*) FROM candle_chunks").first
            #expect(chunks == 3)
            let coverage = try await store.coverage(exchange: "binance", symbol: btc, timeframe: .oneMinute)
            #expect(coverage == CandleCoverage(exchange: "binance", symbol: btc, timeframe: .oneMinute, firstOpenTime: 0, lastOpenTime: 4_999 * minute, barCount: 5_000))
        }
    }

    @Test("a duplicate key overwrites; inside one call the last duplicate wins; unsorted input is sorted")
    func overwrite() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            let original = makeSeries(start: 0, step: hour, count: 10)
            try await store.upsert(exchange: "kraken", symbol: btc, timeframe: .oneHour, bars: original)
            // Replace hours 8 and 9 and add 10, 11 — given out of order, with hour 9 twice.
            let replacement = makeBars(at: [11 * hour, 9 * hour, 8 * hour, 10 * hour, 9 * hour], scale: 3)
            #expect(try await store.upsert(exchange: "kraken", symbol: btc, timeframe: .oneHour, bars: replacement) == 4)
            let stored = try await store.bars(exchange: "kraken", symbol: btc, timeframe: .oneHour, from: 0, to: 100 * hour)
            let expected = Array(original[0..<8]) + [replacement[2], replacement[4], replacement[3], replacement[0]]
            #expect(bitIdentical(stored, expected))
            #expect(try await store.coverage(exchange: "kraken", symbol: btc, timeframe: .oneHour)?.barCount == 12)
        }
    }

    @Test("gaps on a hand-built hourly series are exact")
    func gapsHourly() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            let present = (0..<24).filter { ![3, 4, 10, 23].contains($0) }.map { Int64($0) * hour }
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneHour, bars: makeBars(at: present))
            let gaps = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 0, to: 24 * hour)
            #expect(gaps == [3 * hour..<5 * hour, 10 * hour..<11 * hour, 23 * hour..<24 * hour])
            // Beyond the cached data, and unaligned bounds (first period start ≥ from; end rounded up).
            let wider = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneHour, from: -2 * hour - 5, to: 26 * hour + 1)
            #expect(wider == [-2 * hour..<0, 3 * hour..<5 * hour, 10 * hour..<11 * hour, 23 * hour..<27 * hour])
            let inner = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 4 * hour, to: 10 * hour)
            #expect(inner == [4 * hour..<5 * hour])
            #expect(try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 5 * hour, to: 10 * hour).isEmpty)
            #expect(try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 5 * hour, to: 5 * hour).isEmpty)
            // Nothing cached at all: one range.
            #expect(try await store.gaps(exchange: "binance", symbol: eth, timeframe: .oneHour, from: 0, to: 3 * hour) == [0..<3 * hour])
        }
    }

    @Test("gaps across dense and sparse chunks of a minute series")
    func gapsAcrossChunks() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            // Minutes 0..<5000 except 100..<110, 2047, 2048 and 4096; chunks are 2,048 minutes wide.
            let missing = Set(Array(100..<110) + [2047, 2048, 4096])
            let present = (0..<5_000).filter { !missing.contains($0) }.map { Int64($0) * minute }
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: makeBars(at: present))
            let gaps = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 0, to: 6_000 * minute)
            #expect(gaps == [100 * minute..<110 * minute, 2_047 * minute..<2_049 * minute, 4_096 * minute..<4_097 * minute, 5_000 * minute..<6_000 * minute])
            // Fill one hole: that chunk becomes dense (read via first/last only).
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: makeBars(at: [4_096 * minute]))
            let after = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 4_000 * minute, to: 5_000 * minute)
            #expect(after.isEmpty)
        }
    }

    @Test("calendar-month and Monday-week grids")
    func gapsMonthAndWeek() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            let months = [utc(2024, 1, 1), utc(2024, 2, 1), utc(2024, 4, 1), utc(2024, 12, 1)]
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneMonth, bars: makeBars(at: months))
            let gaps = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneMonth, from: utc(2024, 1, 1), to: utc(2025, 2, 1))
            #expect(gaps == [utc(2024, 3, 1)..<utc(2024, 4, 1), utc(2024, 5, 1)..<utc(2024, 12, 1), utc(2025, 1, 1)..<utc(2025, 2, 1)])
            // A mid-month `from` starts at the next month.
            let mid = try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneMonth, from: utc(2024, 2, 15), to: utc(2024, 6, 1))
            #expect(mid == [utc(2024, 3, 1)..<utc(2024, 4, 1), utc(2024, 5, 1)..<utc(2024, 6, 1)])
            // 2024-01-01 was a Monday; a Thursday-aligned week is rejected.
            let mondays = [utc(2024, 1, 1), utc(2024, 1, 15)]
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneWeek, bars: makeBars(at: mondays))
            #expect(try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneWeek, from: utc(2024, 1, 1), to: utc(2024, 1, 22)) == [utc(2024, 1, 8)..<utc(2024, 1, 15)])
            await #expect(throws: StorageError.self) {
                try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneWeek, bars: makeBars(at: [utc(2024, 1, 4)]))
            }
        }
    }

    @Test("a bad bar part-way through rolls the whole upsert back")
    func rollbackOnInvalidBar() async throws {
        try await withFileDatabase { database, _ in
            let store = database.candles
            let initial = makeSeries(start: 0, step: minute, count: 3_000)
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: initial)
            // Overwrites chunk 0 and 1 (valid) and creates chunk 2; bar 5,000 (in chunk 2) has high < low.
            var update = makeSeries(start: 0, step: minute, count: 6_000, scale: 7)
            update[5_000].high = update[5_000].low - 1
            do {
                try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: update)
                Issue.record("the inconsistent bar should be rejected")
            } catch let error as StorageError {
                #expect(error.kind == .invalidData)
                #expect(error.description.contains("open time \(5_000 * minute)"))
            }
            let stored = try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: .min, to: .max)
            #expect(bitIdentical(stored, initial))
            #expect(try await store.coverage(exchange: "binance", symbol: btc, timeframe: .oneMinute)?.barCount == 3_000)

            // A misaligned open time and a brand-new series: nothing at all is created.
            await #expect(throws: StorageError.self) {
                try await store.upsert(exchange: "binance", symbol: eth, timeframe: .oneMinute, bars: makeBars(at: [0, minute, minute + 1]))
            }
            #expect(try await store.allCoverage().count == 1)
            let series = try await database.integers("SELECT COUNT(*) FROM candle_series").first
            #expect(series == 1)
        }
    }

    @Test("topUp fetches exactly the missing ranges, split to the limit; refresh refetches everything")
    func topUp() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            // Hours 0..<100 cached except 20..<30 and 50; ask for -10..<120.
            let present = (0..<100).filter { !(20..<30).contains($0) && $0 != 50 }.map { Int64($0) * hour }
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneHour, bars: makeBars(at: present))
            let recorder = FetchRecorder(step: hour)
            let report = try await store.topUp(
                exchange: "binance", symbol: btc, timeframe: .oneHour, from: -10 * hour, to: 120 * hour, maxBarsPerFetch: 8
            ) { try await recorder.fetch($0, $1) }
            let expectedCalls = [
                -10 * hour..<(-2 * hour), -2 * hour..<0,
                20 * hour..<28 * hour, 28 * hour..<30 * hour,
                50 * hour..<51 * hour,
                100 * hour..<108 * hour, 108 * hour..<116 * hour, 116 * hour..<120 * hour,
            ]
            #expect(await recorder.calls == expectedCalls)
            #expect(report.fetchedRanges == expectedCalls)
            #expect(report.barsReceived == 10 + 10 + 1 + 20)
            #expect(report.barsStored == 41)
            #expect(report.remainingGaps.isEmpty)
            let stored = try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneHour, from: -10 * hour, to: 120 * hour)
            #expect(stored.map(\.openTime) == (-10..<120).map { Int64($0) * hour })
            // Cached bars were not touched; fetched ones are what fetch returned.
            #expect(stored[10] == makeBars(at: present)[0])
            #expect(stored[30] == makeBar(20 * hour, 20, scale: 2))
            #expect(stored[0] == makeBar(-10 * hour, 10, scale: 2))

            // Fully cached now: no calls.
            let again = FetchRecorder(step: hour)
            let none = try await store.topUp(exchange: "binance", symbol: btc, timeframe: .oneHour, from: -10 * hour, to: 120 * hour) { try await again.fetch($0, $1) }
            #expect(await again.calls.isEmpty)
            #expect(none == TopUpReport())

            // Refresh: the whole (aligned) range, split by the limit, overwriting.
            let refresher = FetchRecorder(step: hour)
            let refreshed = try await store.topUp(
                exchange: "binance", symbol: btc, timeframe: .oneHour, from: 0, to: 30 * hour - 1, refresh: true, maxBarsPerFetch: 12
            ) { try await refresher.fetch($0, $1) }
            #expect(await refresher.calls == [0..<12 * hour, 12 * hour..<24 * hour, 24 * hour..<30 * hour])
            #expect(refreshed.barsStored == 30)
            let after = try await store.bars(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 0, to: 1)
            #expect(after == [makeBar(0, 0, scale: 2)])
        }
    }

    @Test("topUp drops bars outside the requested range and reports holes the venue could not fill")
    func topUpPartialAnswers() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            let report = try await store.topUp(exchange: "okx", symbol: eth, timeframe: .oneDay, from: 0, to: 10 * day) { start, end in
                // The venue has nothing for days 3..<5, and also returns a stray bar after `end`.
                makeBars(at: stride(from: start, to: end + day, by: Int(day)).filter { $0 < 3 * day || $0 >= 5 * day })
            }
            #expect(report.fetchedRanges == [0..<10 * day])
            #expect(report.barsReceived == 9)
            #expect(report.barsStored == 8)
            #expect(report.remainingGaps == [3 * day..<5 * day])
            #expect(try await store.coverage(exchange: "okx", symbol: eth, timeframe: .oneDay)?.lastOpenTime == 9 * day)
        }
    }

    @Test("an error from fetch keeps the chunks committed before it and nothing of the failing one")
    func topUpFailureMidway() async throws {
        try await withFileDatabase { database, _ in
            let store = database.candles
            let recorder = FetchRecorder(step: minute, failOnCall: 3)
            await #expect(throws: FetchRecorder.Failure.self) {
                _ = try await store.topUp(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 0, to: 5_000 * minute, maxBarsPerFetch: 1_000) {
                    try await recorder.fetch($0, $1)
                }
            }
            #expect(await recorder.calls == [0..<1_000 * minute, 1_000 * minute..<2_000 * minute, 2_000 * minute..<3_000 * minute])
            #expect(try await store.gaps(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 0, to: 5_000 * minute) == [2_000 * minute..<5_000 * minute])
            // Resuming fetches only what is still missing.
            let resume = FetchRecorder(step: minute)
            _ = try await store.topUp(exchange: "binance", symbol: btc, timeframe: .oneMinute, from: 0, to: 5_000 * minute, maxBarsPerFetch: 1_000) {
                try await resume.fetch($0, $1)
            }
            #expect(await resume.calls == [2_000 * minute..<3_000 * minute, 3_000 * minute..<4_000 * minute, 4_000 * minute..<5_000 * minute])
            #expect(try await store.coverage(exchange: "binance", symbol: btc, timeframe: .oneMinute)?.barCount == 5_000)
        }
    }

    @Test("coverage listing and series deletion")
    func coverageAndDelete() async throws {
        try await withMemoryDatabase { database in
            let store = database.candles
            try await store.upsert(exchange: "binance", symbol: eth, timeframe: .oneHour, bars: makeBars(at: [hour, 5 * hour]))
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneDay, bars: makeSeries(start: day, step: day, count: 3))
            try await store.upsert(exchange: "binance", symbol: btc, timeframe: .oneDay, bars: [])
            #expect(try await store.allCoverage() == [
                CandleCoverage(exchange: "binance", symbol: btc, timeframe: .oneDay, firstOpenTime: day, lastOpenTime: 3 * day, barCount: 3),
                CandleCoverage(exchange: "binance", symbol: eth, timeframe: .oneHour, firstOpenTime: hour, lastOpenTime: 5 * hour, barCount: 2),
            ])
            #expect(try await store.coverage(exchange: "binance", symbol: btc, timeframe: .oneHour) == nil)
            #expect(try await store.delete(exchange: "binance", symbol: eth, timeframe: .oneHour))
            #expect(try await !store.delete(exchange: "binance", symbol: eth, timeframe: .oneHour))
            #expect(try await store.allCoverage().map(\.symbol) == [btc])
            let chunks = try await database.integers("SELECT COUNT(*) FROM candle_chunks").first
            #expect(chunks == 1)
        }
    }

    @Test("grid arithmetic matches the calendar")
    func grid() {
        let month = CandleGrid(timeframe: .oneMonth)
        #expect(month.periodStart(containing: utc(2024, 2, 29) + 5) == utc(2024, 2, 1))
        #expect(month.advance(utc(2023, 11, 1), by: 3) == utc(2024, 2, 1))
        #expect(month.advance(utc(1969, 12, 1), by: 1) == 0)
        #expect(month.count(from: utc(2024, 1, 1), to: utc(2024, 3, 2)) == 3)
        let week = CandleGrid(timeframe: .oneWeek)
        #expect(week.periodStart(containing: utc(2024, 1, 7)) == utc(2024, 1, 1))
        #expect(week.isAligned(4 * day))
        let hourly = CandleGrid(timeframe: .oneHour)
        #expect(hourly.periodStart(containing: -1) == -hour)
        #expect(hourly.ceiling(1) == hour)
        #expect(hourly.chunkStart(of: -1) == -2_048 * hour)
    }
}
