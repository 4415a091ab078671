import Foundation
import Testing
import TradingCore
@testable import Storage

@Suite("Database: opening, pragmas and migrations")
struct DatabaseTests {
    @Test("a new file is created in WAL mode and migrated to the latest version")
    func migratesFromEmpty() async throws {
        try await withFileDatabase { database, directory in
            #expect(FileManager.default.fileExists(atPath: directory.databasePath))
            #expect(database.journalMode == "wal")
            #expect(try await database.schemaVersion() == Migrations.latestVersion)
            #expect(Migrations.latestVersion == 6)
            let applied = try await database.appliedMigrations()
            #expect(applied.map(\.version) == [1, 2, 3, 4, 5, 6])
            #expect(applied.map(\.name) == [
                Migrations.initialSchema.name, Migrations.orderJournal.name, Migrations.scripts.name, Migrations.reconciliations.name,
                Migrations.idempotencyKeys.name, Migrations.sweeps.name,
            ])
            let tables = try await database.strings("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            #expect(tables == [
                "candle_chunks", "candle_series", "idempotency_keys", "run_equity", "run_fills", "run_orders", "run_plots", "run_reconciliations", "run_results",
                "run_scripts", "run_trades", "runs", "schema_migrations", "script_versions", "scripts", "sweep_cells", "sweeps",
            ])
            var pragmas: [Int] = []
            for pragma in ["foreign_keys", "synchronous", "busy_timeout"] {
                pragmas += try await database.integers("PRAGMA \(pragma)", onWriter: true)
            }
            #expect(pragmas == [1, 1, Database.busyTimeoutMilliseconds])  // synchronous 1 = NORMAL
            // A durable write commits with FULL and puts NORMAL back.
            try await database.runs.insertRun(RunRecord(id: "x", mode: "backtest", strategyName: "s", status: "running", configJSON: "{}", createdAt: 1))
            #expect(try await database.integers("PRAGMA synchronous", onWriter: true) == [1])
            #expect(try await database.integers("PRAGMA query_only") == [1])  // the read connection
        }
    }

    @Test("re-opening an up-to-date database changes nothing and keeps the data")
    func reopenIsIdempotent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let first = try await Database.open(path: directory.databasePath)
        let appliedBefore = try await first.appliedMigrations()
        try await first.candles.upsert(exchange: "binance", symbol: btc, timeframe: .oneHour, bars: makeSeries(start: 0, step: hour, count: 10))
        await first.close()

        let second = try await Database.open(path: directory.databasePath)
        #expect(try await second.appliedMigrations() == appliedBefore)
        #expect(try await second.schemaVersion() == Migrations.latestVersion)
        #expect(try await second.candles.bars(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 0, to: 10 * hour).count == 10)
        await second.close()
    }

    @Test("a database from a newer build is refused with a clear error")
    func newerVersionIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let database = try await Database.open(path: directory.databasePath)
        try await database.write { try await $0.execute("PRAGMA user_version = 7") }
        await database.close()

        do {
            let reopened = try await Database.open(path: directory.databasePath)
            await reopened.close()
            Issue.record("opening a version 7 database should fail")
        } catch let error as StorageError {
            #expect(error.kind == .schemaTooNew)
            #expect(error.description.contains("schema version 7 is newer than this build supports (\(Migrations.latestVersion))"))
        }
    }

    @Test("a failing migration is rolled back entirely and the next open retries it")
    func failingMigrationRollsBack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let location = Database.Location.file(path: directory.databasePath)
        let broken = Migration(version: 2, name: "broken", statements: ["CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL"])
        do {
            let database = try await Database.open(location: location, migrations: [Migrations.initialSchema, broken])
            await database.close()
            Issue.record("the broken migration should fail")
        } catch let error as StorageError {
            #expect(error.kind == .sqlite)
            #expect(error.description.contains("migration 2 (broken) failed"))
        }
        // Version 1 was committed on its own; nothing of version 2 was.
        let database = try await Database.open(location: location, migrations: [Migrations.initialSchema])
        #expect(try await database.schemaVersion() == 1)
        #expect(try await database.strings("SELECT name FROM sqlite_master WHERE name = 'extra'").isEmpty)
        await database.close()

        let fixed = Migration(version: 2, name: "extra table", statements: ["CREATE TABLE extra (x INTEGER)"])
        let upgraded = try await Database.open(location: location, migrations: [Migrations.initialSchema, fixed])
        #expect(try await upgraded.schemaVersion() == 2)
        #expect(try await upgraded.appliedMigrations().map(\.name) == [Migrations.initialSchema.name, "extra table"])
        await upgraded.close()
    }

    @Test("in-memory databases get the schema too")
    func inMemory() async throws {
        try await withMemoryDatabase { database in
            let version = try await database.schemaVersion()
            #expect(version == Migrations.latestVersion)
            #expect(database.journalMode == "memory")
        }
    }

    @Test("a file that is not SQLite gives a storage error")
    func notADatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: directory.databasePath))
        await #expect(throws: StorageError.self) {
            let database = try await Database.open(path: directory.databasePath)
            await database.close()
        }
    }

    @Test("a closed database refuses work")
    func closedDatabase() async throws {
        let database = try await Database.openInMemory()
        await database.close()
        await database.close()
        do {
            _ = try await database.schemaVersion()
            Issue.record("expected an error")
        } catch let error as StorageError {
            #expect(error.kind == .closed)
        }
    }

    @Test("concurrent writers are serialised and all land")
    func concurrentWriters() async throws {
        try await withFileDatabase { database, _ in
            let symbols = try ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "ADA/USDT", "DOT/USDT"].map { try TradingSymbol(parsing: $0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for symbol in symbols {
                    group.addTask {
                        for part in 0..<5 {
                            try await database.candles.upsert(
                                exchange: "binance", symbol: symbol, timeframe: .oneMinute,
                                bars: makeSeries(start: Int64(part) * 1000 * minute, step: minute, count: 1000))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let coverage = try await database.candles.allCoverage()
            #expect(coverage.map(\.barCount) == Array(repeating: 5000, count: symbols.count))
            #expect(coverage.map(\.symbol) == symbols.sorted())
        }
    }
}
