import Foundation
import Testing
import TradingCore
@testable import Storage

/// Start-up's `PRAGMA quick_check`, `cracktrader db check` and `cracktrader db backup` (issue 12,
/// item 5): a damaged file stops the opener with a message naming it and is never changed or
/// recreated; a backup taken while another connection writes is one consistent snapshot.
@Suite("Database integrity: quick_check at open, db check, db backup")
struct DatabaseIntegrityTests {
    static let pageSize = 4096

    /// A closed database file with some runs and candles (several pages), its WAL checkpointed away.
    static func makeDatabase(at path: String, runs: Int = 20) async throws {
        let database = try await Database.open(path: path)
        for index in 0..<runs {
            try await database.runs.insertRun(RunRecord(
                id: String(format: "run%03d", index), mode: "backtest", strategyName: "S", status: "completed",
                configJSON: String(repeating: "x", count: 500), createdAt: Int64(index)))
        }
        try await database.candles.upsert(exchange: "binance", symbol: btc, timeframe: .oneMinute, bars: makeSeries(start: 0, step: minute, count: 3_000))
        await database.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    /// Overwrites pages `pages` (1-based) of the file with 0xA5 bytes.
    static func scribble(_ path: String, pages: ClosedRange<Int>, bytes: Int = pageSize) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        for page in pages {
            try handle.seek(toOffset: UInt64((page - 1) * pageSize))
            handle.write(Data(repeating: 0xA5, count: bytes))
        }
    }

    static func openError(_ path: String) async -> StorageError? {
        do {
            let database = try await Database.open(path: path)
            await database.close()
            return nil
        } catch {
            return error as? StorageError
        }
    }

    @Test("damaged pages stop the open with .corrupt and a message naming the file and the remedy; the file is left byte for byte")
    func damagedPagesStopTheOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.databasePath
        try await Self.makeDatabase(at: path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size / Self.pageSize > 10)
        try Self.scribble(path, pages: 3...(size / Self.pageSize))
        let damaged = try Data(contentsOf: URL(fileURLWithPath: path))

        let error = try #require(await Self.openError(path))
        #expect(error.kind == .corrupt)
        #expect(error.description.hasPrefix("database \(path) is damaged ("))
        #expect(error.description.hasSuffix(
            "). It was left exactly as it is. Stop and restore a backup (made with `cracktrader db backup`), or move the file "
                + "and its -wal and -shm files aside to start with an empty database; `cracktrader db check` lists the problems"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
        // A second attempt says the same: nothing was "repaired" or recreated in between.
        #expect(await Self.openError(path)?.description == error.description)

        let report = try await DatabaseMaintenance.check(path: path)
        #expect(report.pragma == "quick_check")
        #expect(!report.isOK)
        #expect(!report.results.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
    }

    @Test("garbage over the header: 'file is not a database', same message and remedy")
    func damagedHeader() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.databasePath
        try await Self.makeDatabase(at: path)
        try Self.scribble(path, pages: 1...1, bytes: 100)
        let error = try #require(await Self.openError(path))
        #expect(error.kind == .corrupt)
        #expect(error.description.hasPrefix("database \(path) is damaged (SQLite: file is not a database). It was left exactly as it is."))
        let report = try await DatabaseMaintenance.check(path: path, full: true)
        #expect(report.results == ["file is not a database"])
        #expect(report.schemaVersion == nil)
        #expect(!report.isOK)
    }

    @Test("db check on a sound database: ok, with its schema version, quick and full")
    func checkSound() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try await Self.makeDatabase(at: directory.databasePath)
        #expect(try await DatabaseMaintenance.check(path: directory.databasePath)
            == .init(path: directory.databasePath, pragma: "quick_check", results: ["ok"], schemaVersion: Migrations.latestVersion))
        #expect(try await DatabaseMaintenance.check(path: directory.databasePath, full: true)
            == .init(path: directory.databasePath, pragma: "integrity_check", results: ["ok"], schemaVersion: Migrations.latestVersion))
    }

    @Test("db check and db backup never create a missing database")
    func missingDatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.databasePath
        do {
            _ = try await DatabaseMaintenance.check(path: path)
            Issue.record("check of a missing file should fail")
        } catch let error as StorageError {
            #expect(error.description == "no database at \(path): No such file or directory")
        }
        do {
            _ = try await DatabaseMaintenance.backup(path: path, to: directory.path + "/copy.sqlite")
            Issue.record("backup of a missing file should fail")
        } catch let error as StorageError {
            #expect(error.description == "no database at \(path): No such file or directory")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/copy.sqlite"))
    }

    @Test("a backup taken while another connection keeps inserting is one consistent snapshot: a prefix of the inserts, checked ok, openable")
    func backupWhileWriting() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.databasePath
        let database = try await Database.open(path: path)
        let ids = (0..<400).map { String(format: "run%04d", $0) }
        for id in ids.prefix(100) {
            try await database.runs.insertRun(RunRecord(id: id, mode: "paper", strategyName: "S", status: "running", configJSON: "{}", createdAt: 1))
        }
        let writer = Task {
            for id in ids.dropFirst(100) {
                try await database.runs.insertRun(RunRecord(id: id, mode: "paper", strategyName: "S", status: "running", configJSON: "{}", createdAt: 1))
            }
        }
        let destination = directory.path + "/backup.sqlite"
        let report = try await DatabaseMaintenance.backup(path: path, to: destination)
        try await writer.value
        #expect(report.source == path)
        #expect(report.destination == destination)
        #expect(report.schemaVersion == Migrations.latestVersion)
        #expect(report.bytes == (try FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int).map(Int64.init))
        #expect(try await database.runs.listRuns(limit: 1, offset: 0).total == 400)
        await database.close()

        let copy = try await Database.open(path: destination)
        let listed = try await copy.runs.listRuns(limit: 500, offset: 0)
        // Equal created_at: newest-first falls back to insertion order, reversed.
        let copied = listed.runs.map(\.id).reversed()
        #expect(listed.total >= 100 && listed.total <= 400)
        #expect(Array(copied) == Array(ids.prefix(listed.total)))
        await copy.close()

        do {
            _ = try await DatabaseMaintenance.backup(path: path, to: destination)
            Issue.record("a backup over an existing file should fail")
        } catch let error as StorageError {
            #expect(error.description == "\(destination) already exists; a backup never overwrites a file (choose a new name)")
        }
    }
}
