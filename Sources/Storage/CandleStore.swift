import NIOCore
import SQLiteNIO
import TradingCore

/// What is cached for one (exchange, symbol, timeframe) series.
public struct CandleCoverage: Sendable, Hashable {
    public let exchange: String
    public let symbol: TradingSymbol
    public let timeframe: Timeframe
    /// Open time of the earliest and latest cached bar (ms, UTC).
    public let firstOpenTime: Int64
    public let lastOpenTime: Int64
    /// Number of cached bars (there may be holes between first and last: see `gaps`).
    public let barCount: Int
}

/// What ``CandleStore/topUp(exchange:symbol:timeframe:from:to:refresh:maxBarsPerFetch:fetch:)`` did.
public struct TopUpReport: Sendable, Hashable {
    /// Every `[start, end)` passed to `fetch`, in call order.
    public var fetchedRanges: [Range<Int64>] = []
    /// Bars `fetch` returned in total.
    public var barsReceived = 0
    /// Bars stored (received bars inside their requested range; others are dropped).
    public var barsStored = 0
    /// Holes still open in `[from, to)` afterwards (the venue had no bars there, e.g. downtime).
    public var remainingGaps: [Range<Int64>] = []

    public init() {}
}

/// The candle cache: OHLCV bars per (exchange, symbol, timeframe), keyed by open time.
///
/// Storage format: one row per series in `candle_series`, and the bars of each series in
/// `candle_chunks` rows of up to 2,048 consecutive periods packed into a BLOB (48 bytes a bar,
/// little-endian, sorted by open time). A million bars are ~490 rows instead of a million, which
/// is what makes a 1M-bar read ~10× faster than row-per-bar through sqlite-nio
/// (see `docs/storage.md`).
///
/// Rules enforced on write (a violation throws ``StorageError`` of kind `.invalidData` and the whole
/// call is rolled back): every bar is `Bar.isConsistent` and opens on the timeframe's grid
/// (`1w` on Mondays, `1M` on the first of the month, others on multiples of their length).
///
/// `exchange` is stored lower-cased; `symbol` as `BASE/QUOTE`.
public struct CandleStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: Writing

    /// Inserts or overwrites `bars` (same open time → the new bar wins; duplicates inside `bars`:
    /// the last one wins) in ONE transaction: either every bar is stored or none is.
    /// Returns the number of distinct bars written.
    @discardableResult
    public func upsert(exchange: String, symbol: TradingSymbol, timeframe: Timeframe, bars: [Bar]) async throws -> Int {
        guard !bars.isEmpty else { return 0 }
        let sorted = Self.sortedUnique(bars)
        let grid = CandleGrid(timeframe: timeframe)
        let key = SeriesKey(exchange: exchange, symbol: symbol, timeframe: timeframe)
        // Sorted: checking the ends keeps the chunk arithmetic below in range.
        try Self.validate([sorted[0], sorted[sorted.count - 1]], grid: grid)
        try await database.write { connection in
            let seriesID = try await key.createID(on: connection)
            // Existing chunks in the touched bucket range, to merge with.
            let firstChunk = grid.chunkStart(of: sorted[0].openTime)
            let lastChunk = grid.chunkStart(of: sorted[sorted.count - 1].openTime)
            var existing: [Int64: ByteBuffer] = [:]
            for row in try await connection.query(
                "SELECT chunk_start, bars FROM candle_chunks WHERE series_id = ? AND chunk_start BETWEEN ? AND ?",
                [.int(seriesID), .int(firstChunk), .int(lastChunk)])
            {
                existing[try row.int64("chunk_start")] = try row.blob("bars")
            }
            var start = 0
            while start < sorted.count {
                let chunk = grid.chunkStart(of: sorted[start].openTime)
                var end = start + 1
                while end < sorted.count && grid.chunkStart(of: sorted[end].openTime) == chunk { end += 1 }
                let incoming = sorted[start..<end]
                try Self.validate(incoming, grid: grid)
                let merged: ArraySlice<Bar>
                if let old = existing[chunk] {
                    var oldBars: [Bar] = []
                    oldBars.reserveCapacity(old.readableBytes / PackedCodec.barStride)
                    try PackedCodec.decodeBars(old, from: .min, to: .max, into: &oldBars)
                    merged = Self.merge(old: oldBars, new: incoming)[...]
                } else {
                    merged = incoming
                }
                try await connection.execute(
                    """
                    INSERT INTO candle_chunks (series_id, chunk_start, first_open, last_open, bar_count, bars)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (series_id, chunk_start) DO UPDATE SET
                        first_open = excluded.first_open, last_open = excluded.last_open,
                        bar_count = excluded.bar_count, bars = excluded.bars
                    """,
                    [
                        .int(seriesID), .int(chunk), .int(merged.first!.openTime), .int(merged.last!.openTime),
                        .integer(merged.count), .blob(PackedCodec.encode(bars: merged)),
                    ])
                start = end
            }
        }
        return sorted.count
    }

    /// Removes the whole cached series. Returns whether it existed.
    @discardableResult
    public func delete(exchange: String, symbol: TradingSymbol, timeframe: Timeframe) async throws -> Bool {
        let key = SeriesKey(exchange: exchange, symbol: symbol, timeframe: timeframe)
        return try await database.write { connection in
            try await !connection.query(
                "DELETE FROM candle_series WHERE exchange = ? AND symbol = ? AND timeframe = ? RETURNING id", key.binds
            ).isEmpty
        }
    }

    // MARK: Reading

    /// Cached bars with `from <= openTime < to`, ascending.
    public func bars(exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64, to: Int64) async throws -> [Bar] {
        guard from < to else { return [] }
        let grid = CandleGrid(timeframe: timeframe)
        let key = SeriesKey(exchange: exchange, symbol: symbol, timeframe: timeframe)
        let firstChunk = grid.chunkStart(of: CandleGrid.clamp(from))
        let rows = try await database.read { connection in
            try await connection.query(
                """
                SELECT c.bar_count, c.bars FROM candle_chunks c JOIN candle_series s ON s.id = c.series_id
                WHERE s.exchange = ? AND s.symbol = ? AND s.timeframe = ? AND c.chunk_start >= ? AND c.chunk_start < ?
                ORDER BY c.chunk_start
                """,
                key.binds + [.int(firstChunk), .int(to)])
        }
        var output: [Bar] = []
        try output.reserveCapacity(rows.reduce(0) { $0 + (try $1.int("bar_count")) })
        for row in rows {
            try PackedCodec.decodeBars(try row.blob("bars"), from: from, to: to, into: &output)
        }
        return output
    }

    /// First/last open time and bar count of a cached series, or nil when nothing is cached.
    public func coverage(exchange: String, symbol: TradingSymbol, timeframe: Timeframe) async throws -> CandleCoverage? {
        let key = SeriesKey(exchange: exchange, symbol: symbol, timeframe: timeframe)
        return try await listCoverage(filter: "WHERE s.exchange = ? AND s.symbol = ? AND s.timeframe = ?", binds: key.binds).first
    }

    /// Every cached series, ordered by exchange, symbol, timeframe.
    public func allCoverage() async throws -> [CandleCoverage] {
        try await listCoverage(filter: "", binds: [])
    }

    private func listCoverage(filter: String, binds: [SQLiteData]) async throws -> [CandleCoverage] {
        let rows = try await database.read { connection in
            try await connection.query(
                """
                SELECT s.exchange, s.symbol, s.timeframe, MIN(c.first_open) AS first_open, MAX(c.last_open) AS last_open,
                       SUM(c.bar_count) AS bar_count
                FROM candle_series s JOIN candle_chunks c ON c.series_id = s.id \(filter)
                GROUP BY s.id ORDER BY s.exchange, s.symbol, s.timeframe
                """, binds)
        }
        return try rows.compactMap { row in
            // A row another build wrote with a symbol or timeframe this one does not know is skipped.
            guard let symbol = try? TradingSymbol(parsing: try row.text("symbol")),
                let timeframe = Timeframe(rawValue: try row.text("timeframe"))
            else { return nil }
            return CandleCoverage(
                exchange: try row.text("exchange"), symbol: symbol, timeframe: timeframe,
                firstOpenTime: try row.int64("first_open"), lastOpenTime: try row.int64("last_open"),
                barCount: try row.int("bar_count"))
        }
    }

    // MARK: Gaps and top-up

    /// The missing bars in `[from, to)` as half-open ranges `[firstMissingOpen, nextPresentOpen)`
    /// whose bounds are period starts: every period start `t` with `from <= t < to` and no cached
    /// bar is inside exactly one range. The last range may end after `to` (at the first period
    /// start ≥ `to`). Ascending; empty when nothing is missing.
    public func gaps(exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64, to: Int64) async throws -> [Range<Int64>] {
        let grid = CandleGrid(timeframe: timeframe)
        let first = grid.ceiling(CandleGrid.clamp(from))
        let end = grid.ceiling(CandleGrid.clamp(to))
        guard first < end else { return [] }
        let key = SeriesKey(exchange: exchange, symbol: symbol, timeframe: timeframe)
        let period = timeframe.milliseconds
        let fixed = timeframe != .oneMonth
        // Chunks whose bars are one contiguous run of periods only need first/last, not the blob.
        let rows = try await database.read { connection in
            try await connection.query(
                """
                SELECT c.first_open, c.last_open,
                       CASE WHEN ? AND c.last_open - c.first_open = (c.bar_count - 1) * ? THEN NULL ELSE c.bars END AS bars
                FROM candle_chunks c JOIN candle_series s ON s.id = c.series_id
                WHERE s.exchange = ? AND s.symbol = ? AND s.timeframe = ? AND c.chunk_start >= ? AND c.chunk_start < ?
                ORDER BY c.chunk_start
                """,
                [.integer(fixed ? 1 : 0), .int(period)] + key.binds + [.int(grid.chunkStart(of: first)), .int(end)])
        }
        var gaps: [Range<Int64>] = []
        var cursor = first  // first period start not yet known to be present or missing
        func present(_ runStart: Int64, _ runLast: Int64) {
            // Bars runStart...runLast (a contiguous run of periods) are cached.
            guard runLast >= cursor, runStart < end else { return }
            if runStart > cursor { gaps.append(cursor..<runStart) }
            cursor = max(cursor, grid.next(after: runLast))
        }
        for row in rows {
            let firstOpen = try row.int64("first_open"), lastOpen = try row.int64("last_open")
            let blob = try row.value("bars")
            if case .blob(let buffer) = blob {
                for openTime in PackedCodec.decodeOpenTimes(buffer) { present(openTime, openTime) }
            } else {
                present(firstOpen, lastOpen)
            }
        }
        if cursor < end { gaps.append(cursor..<end) }
        return gaps
    }

    /// Fills the cache for `[from, to)` through `fetch(start, end)`, which must return the closed
    /// bars with `start <= openTime < end` (any it returns outside that range are dropped).
    ///
    /// Only the ``gaps(exchange:symbol:timeframe:from:to:)`` are fetched — or, with `refresh`, the
    /// whole range (period starts from `from` to `to`), overwriting what is cached. Ranges longer
    /// than `maxBarsPerFetch` periods are split. Each fetched piece is stored in its own
    /// transaction as soon as it arrives, so an error (thrown by `fetch`, or a crash) keeps every
    /// piece committed before it and nothing of the failing one; the error is rethrown.
    public func topUp(
        exchange: String, symbol: TradingSymbol, timeframe: Timeframe, from: Int64, to: Int64,
        refresh: Bool = false, maxBarsPerFetch: Int = 10_000,
        fetch: @Sendable (_ start: Int64, _ end: Int64) async throws -> [Bar]
    ) async throws -> TopUpReport {
        precondition(maxBarsPerFetch > 0, "maxBarsPerFetch must be positive")
        let grid = CandleGrid(timeframe: timeframe)
        let wanted: [Range<Int64>]
        if refresh {
            let first = grid.ceiling(CandleGrid.clamp(from)), end = grid.ceiling(CandleGrid.clamp(to))
            wanted = first < end ? [first..<end] : []
        } else {
            wanted = try await gaps(exchange: exchange, symbol: symbol, timeframe: timeframe, from: from, to: to)
        }
        var report = TopUpReport()
        for range in wanted {
            var pieceStart = range.lowerBound
            while pieceStart < range.upperBound {
                let pieceEnd = min(grid.advance(pieceStart, by: Int64(maxBarsPerFetch)), range.upperBound)
                try Task.checkCancellation()
                report.fetchedRanges.append(pieceStart..<pieceEnd)
                let received = try await fetch(pieceStart, pieceEnd)
                report.barsReceived += received.count
                let inside = received.filter { $0.openTime >= pieceStart && $0.openTime < pieceEnd }
                report.barsStored += try await upsert(exchange: exchange, symbol: symbol, timeframe: timeframe, bars: inside)
                pieceStart = pieceEnd
            }
        }
        report.remainingGaps = try await gaps(exchange: exchange, symbol: symbol, timeframe: timeframe, from: from, to: to)
        return report
    }

    // MARK: Helpers

    /// Sorted by open time, one bar per open time (the last occurrence wins). Already-sorted
    /// unique input (the common case) is returned without copying into a sort.
    static func sortedUnique(_ bars: [Bar]) -> [Bar] {
        var strictlyIncreasing = true
        for index in bars.indices.dropFirst() where bars[index - 1].openTime >= bars[index].openTime {
            strictlyIncreasing = false
            break
        }
        if strictlyIncreasing { return bars }
        // Stable: sort indices, then keep the last index of each open time.
        let order = bars.indices.sorted { (bars[$0].openTime, $0) < (bars[$1].openTime, $1) }
        var output: [Bar] = []
        output.reserveCapacity(bars.count)
        for position in order.indices {
            let index = order[position]
            if position + 1 < order.count && bars[order[position + 1]].openTime == bars[index].openTime { continue }
            output.append(bars[index])
        }
        return output
    }

    /// Merges two ascending unique runs; on equal open time `new` wins.
    static func merge(old: [Bar], new: ArraySlice<Bar>) -> [Bar] {
        var output: [Bar] = []
        output.reserveCapacity(old.count + new.count)
        var i = old.startIndex, j = new.startIndex
        while i < old.endIndex && j < new.endIndex {
            if old[i].openTime < new[j].openTime {
                output.append(old[i]); i += 1
            } else if old[i].openTime > new[j].openTime {
                output.append(new[j]); j += 1
            } else {
                output.append(new[j]); i += 1; j += 1
            }
        }
        output.append(contentsOf: old[i...])
        output.append(contentsOf: new[j...])
        return output
    }

    static func validate(_ bars: ArraySlice<Bar>, grid: CandleGrid) throws {
        for bar in bars {
            guard bar.openTime >= CandleGrid.earliest && bar.openTime <= CandleGrid.latest else {
                throw StorageError("candle open time \(bar.openTime) is outside years 0001–9999", kind: .invalidData)
            }
            guard bar.isConsistent else {
                throw StorageError(
                    "inconsistent candle at open time \(bar.openTime): open \(bar.open) high \(bar.high) low \(bar.low) "
                        + "close \(bar.close) volume \(bar.volume)",
                    kind: .invalidData)
            }
            guard grid.isAligned(bar.openTime) else {
                throw StorageError(
                    "candle open time \(bar.openTime) is not a \(grid.timeframe.rawValue) period start", kind: .invalidData)
            }
        }
    }
}

/// The identity of one cached series as stored.
struct SeriesKey: Sendable {
    let exchange: String
    let symbol: String
    let timeframe: String

    init(exchange: String, symbol: TradingSymbol, timeframe: Timeframe) {
        self.exchange = exchange.lowercased()
        self.symbol = symbol.description
        self.timeframe = timeframe.rawValue
    }

    var binds: [SQLiteData] { [.text(exchange), .text(symbol), .text(timeframe)] }

    /// The series id, inserting the series row if needed (inside the caller's write transaction).
    func createID(on connection: SQLiteConnection) async throws -> Int64 {
        let rows = try await connection.query(
            """
            INSERT INTO candle_series (exchange, symbol, timeframe) VALUES (?, ?, ?)
            ON CONFLICT (exchange, symbol, timeframe) DO UPDATE SET exchange = excluded.exchange
            RETURNING id
            """, binds)
        guard let row = rows.first else { throw StorageError("candle series insert returned no id", kind: .sqlite) }
        return try row.int64("id")
    }
}
