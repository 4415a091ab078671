import Foundation
import Testing
import SQLiteNIO
import TradingCore
@_spi(FaultInjection) @testable import Storage

/// Storage faults (issue 12, item 5): a full disk, a read-only database or an I/O error makes
/// writes fail with `StorageError(kind: .unavailable)`, leaves everything committed intact, keeps
/// reads working, and the next write after the cause is gone succeeds on the same `Database`.
@Suite("Storage faults: full disk, read-only database, injected write failures")
struct StorageFaultTests {
    static func run(_ id: String, createdAt: Int64 = 1_000) -> RunRecord {
        RunRecord(id: id, mode: "paper", strategyName: "BuyAndHold", status: "running", configJSON: "{}", createdAt: createdAt)
    }

    /// Runs `body` and returns the `StorageError` it throws (nil when it does not throw).
    static func storageError(_ body: () async throws -> Void) async -> StorageError? {
        do {
            try await body()
            return nil
        } catch let error as StorageError {
            return error
        } catch {
            return StorageError("unexpected \(error)", kind: .general)
        }
    }

    @Test("SQLite's own SQLITE_FULL (max_page_count reached) is .unavailable/diskFull; the write leaves nothing; raising the limit lets the same write through")
    func genuineDiskFull() async throws {
        try await withFileDatabase { database, _ in
            try await database.runs.insertRun(Self.run("kept"))
            let pages = try await database.integers("PRAGMA page_count", onWriter: true)
            // The database may not grow past its current size: exactly what a full disk does to it.
            #expect(try await database.integers("PRAGMA max_page_count = \(pages[0])", onWriter: true) == pages)
            let bars = makeSeries(start: 0, step: minute, count: 4_000)  // 192 kB of chunks: needs new pages
            let error = await Self.storageError {
                try await database.candles.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: bars)
            }
            #expect(error?.kind == .unavailable)
            #expect(error?.unavailability == .diskFull)
            #expect(error?.isUnavailable == true)
            #expect(error?.description == "SQLite: database or disk is full")
            // Rolled back; what was committed before is all there and readable.
            #expect(try await database.candles.allCoverage().isEmpty)
            #expect(try await database.runs.run(id: "kept")?.status == "running")
            #expect(try await database.runs.listRuns(limit: 10, offset: 0).total == 1)

            // "Space returns": the same database, no reopen.
            _ = try await database.integers("PRAGMA max_page_count = 1000000000", onWriter: true)
            try await database.candles.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: bars)
            #expect(try await database.candles.allCoverage().map(\.barCount) == [4_000])
        }
    }

    @Test("a database opened read-only (file:…?mode=ro) refuses writes with SQLite's SQLITE_READONLY as .unavailable/readOnly; its reads work")
    func genuineReadOnly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let writable = try await Database.open(path: directory.databasePath)
        try await writable.runs.insertRun(Self.run("r1"))
        let readOnly = try await Database.open(
            location: .file(path: "file:\(directory.databasePath)?mode=ro"), migrations: Migrations.all)
        let error = await Self.storageError { try await readOnly.runs.insertRun(Self.run("r2")) }
        #expect(error?.kind == .unavailable)
        #expect(error?.unavailability == .readOnly)
        #expect(error?.description == "SQLite: attempt to write a readonly database")
        #expect(try await readOnly.runs.run(id: "r1")?.id == "r1")
        #expect(try await readOnly.runs.run(id: "r2") == nil)
        await readOnly.close()
        // The writable connection was never affected.
        try await writable.runs.insertRun(Self.run("r2", createdAt: 2_000))
        #expect(try await writable.runs.listRuns(limit: 10, offset: 0).runs.map(\.id) == ["r2", "r1"])
        await writable.close()
    }

    @Test("SQLite result codes map to kinds: FULL, READONLY*, IOERR*, CANTOPEN*, BUSY* are unavailable; CORRUPT and NOTADB corrupt; others sqlite")
    func resultCodeMapping() {
        let cases: [(SQLiteError.Reason, StorageError.Kind, StorageError.Unavailability?)] = [
            (.full, .unavailable, .diskFull),
            (.readOnly, .unavailable, .readOnly),
            (.readonlyDirectory, .unavailable, .readOnly),
            (.ioError, .unavailable, .ioError),
            (.ioErrorFailedWrite, .unavailable, .ioError),
            (.ioErrorFailedSync, .unavailable, .ioError),
            (.cantOpen, .unavailable, .cannotOpen),
            (.busyTimeout, .unavailable, .busy),
            (.corrupt, .corrupt, nil),
            (.notADatabase, .corrupt, nil),
            (.constraintUniqueFailed, .sqlite, nil),
            (.error, .sqlite, nil),
        ]
        for (code, kind, reason) in cases {
            let error = StorageError(sqlite: code, message: "m", context: "ctx")
            #expect(error.kind == kind, "\(code)")
            #expect(error.unavailability == reason, "\(code)")
            #expect(error.description == "ctx: SQLite: m")
            // A context added later keeps the kind and the reason.
            #expect(error.prefixed("outer").unavailability == reason)
            #expect(error.prefixed("outer").description == "outer: ctx: SQLite: m")
        }
    }

    @Test("the injector fails each write like SQLite (rolled back, same error) until cleared; reads, and committed rows, are untouched")
    func injectedWriteFailures() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let injector = StorageFaultInjector.install(forDatabaseAt: directory.databasePath)
        defer { StorageFaultInjector.remove(forDatabaseAt: directory.databasePath) }
        let database = try await Database.open(path: directory.databasePath)
        try await database.runs.insertRun(Self.run("before"))
        try await database.runs.recordOrderSubmission(runID: "before", order: SequencedJSON(seq: 0, json: #"{"id":1}"#))

        let expected: [(StorageFaultInjector.Fault, StorageError.Unavailability, String)] = [
            (.diskFull, .diskFull, "SQLite: database or disk is full"),
            (.readOnly, .readOnly, "SQLite: attempt to write a readonly database"),
            (.ioError, .ioError, "SQLite: disk I/O error"),
        ]
        for (fault, reason, message) in expected {
            injector.inject(fault)
            let insert = await Self.storageError { try await database.runs.insertRun(Self.run("during-\(fault.rawValue)")) }
            #expect(insert == StorageError(message, unavailable: reason))
            let journal = await Self.storageError {
                try await database.runs.recordOrderSubmission(runID: "before", order: SequencedJSON(seq: 1, json: #"{"id":2}"#))
            }
            #expect(journal?.unavailability == reason)
        }
        #expect(injector.failedWrites == 6)
        // Nothing of the failed writes, everything of the committed ones; reads kept working.
        #expect(try await database.runs.listRuns(limit: 10, offset: 0).runs.map(\.id) == ["before"])
        #expect(try await database.runs.activity(id: "before").ordersJSON == [#"{"id":1}"#])

        injector.inject(nil)
        try await database.runs.insertRun(Self.run("after", createdAt: 2_000))
        try await database.runs.recordOrderSubmission(runID: "before", order: SequencedJSON(seq: 1, json: #"{"id":2}"#))
        #expect(try await database.runs.listRuns(limit: 10, offset: 0).runs.map(\.id) == ["after", "before"])
        #expect(try await database.runs.activity(id: "before").ordersJSON == [#"{"id":1}"#, #"{"id":2}"#])
        #expect(injector.failedWrites == 6)
        await database.close()
    }

    @Test("without an injector or the environment variable, a database has no fault injection")
    func noInjectorByDefault() async throws {
        #expect(getenv(StorageFaultInjector.environmentVariable) == nil)
        #expect(StorageFaultInjector.lookup(path: "/nonexistent/\(UUID().uuidString)") == nil)
    }
}
