import Foundation
import Testing
import TradingCore
@testable import Storage

/// A database written by an earlier release opens with this build: the newer migrations run, every
/// row the old release wrote is still there and readable through today's stores, and the new
/// tables work (issue 12, item 5).
@Suite("Migrations: databases of earlier releases upgrade with their rows intact")
struct MigrationUpgradeTests {
    /// SHA-256 of each migration's statements (joined by newlines), as released. Released
    /// migrations are never edited: a change here means an old database would not get today's schema.
    static func digest(_ migration: Migration) -> String {
        SHA256Digest.hex(migration.statements.joined(separator: "\n"))
    }

    /// What the previous release (schema version 4, before idempotency keys) wrote, as it wrote it:
    /// plain SQL against its tables, not today's store code.
    static let version4Rows = [
        """
        INSERT INTO runs (id, mode, strategy_name, status, config_json, created_at, started_at, ended_at, error,
                          metrics_json, final_value, trade_count)
        VALUES ('0123456789ab', 'paper', 'BuyAndHold', 'completed', '{"symbols":["BTC/USDT"]}', 1700000000000,
                1700000000001, 1700000600000, NULL, '{"total_return":0.5}', 10500.25, 1)
        """,
        #"INSERT INTO run_orders (run_id, seq, json) VALUES ('0123456789ab', 0, '{"client_order_id":"ct0123456789ab1","id":1,"status":"filled"}')"#,
        #"INSERT INTO run_trades (run_id, seq, json) VALUES ('0123456789ab', 0, '{"id":1,"status":"closed"}')"#,
        #"INSERT INTO run_fills (run_id, seq, order_id, json) VALUES ('0123456789ab', 0, 1, '{"id":1,"order_id":1}')"#,
        #"INSERT INTO run_results (run_id, results_json) VALUES ('0123456789ab', '{"run_id":"0123456789ab"}')"#,
        "INSERT INTO run_equity (run_id, point_count, points) VALUES ('0123456789ab', 0, x'')",
        #"INSERT INTO run_reconciliations (run_id, json, updated_at) VALUES ('0123456789ab', '{"decision":"kept"}', 1700000700000)"#,
        "INSERT INTO scripts (id, name, name_key, created_at, updated_at, latest_version) VALUES (1, 'My Cross', 'my cross', 5, 6, 2)",
        """
        INSERT INTO script_versions (script_id, version, source, sha256, size, created_at) VALUES
            (1, 1, 'strategy("a")', '\(SHA256Digest.hex(#"strategy("a")"#))', 13, 5),
            (1, 2, 'strategy("b")', '\(SHA256Digest.hex(#"strategy("b")"#))', 13, 6)
        """,
        "INSERT INTO candle_series (id, exchange, symbol, timeframe) VALUES (1, 'binance', 'BTC/USDT', '1h')",
    ]

    @Test("released migrations 1–5 are unchanged (their statements hash to the released digests)")
    func releasedMigrationsAreFrozen() {
        let digests = Migrations.all.prefix(5).map(Self.digest)
        #expect(Migrations.all.map(\.version) == [1, 2, 3, 4, 5, 6])
        #expect(digests == Self.pinnedDigests)
    }

    /// Computed from the migrations as released (this build's list is checked against them).
    static let pinnedDigests: [String] = [
        "df429f7137be7a1b4f52d18c4386b1c3044fdb592ea01b56a08bc7ab80e7dda3",
        "669ab9b2e23ac38cec503bcb9bb2bc474d690a2ea1961928f6983e3962218f69",
        "844634f242d683451bfc2e93deab3ac75f186c1503e771f1612e464ca9212983",
        "e26e673a9c55fa003d2d2d8eafd67eaa16502fcc0c7dde9fb628a10ce23c9360",
        "4c5b7b723ef5192a90bed0981367d3df4eabe82e377161ac790c8bd7395d920a",
    ]

    @Test("a version 4 database (the previous release) with rows opens at version 5: every row reads back, idempotency keys work")
    func fromPreviousRelease() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let location = Database.Location.file(path: directory.databasePath)
        let old = try await Database.open(location: location, migrations: Array(Migrations.all.prefix(4)))
        #expect(try await old.schemaVersion() == 4)
        try await old.write { connection in
            for statement in Self.version4Rows { try await connection.execute(statement) }
        }
        // Candles as version 4 stored them (the packing has not changed since version 1).
        let bars = makeSeries(start: 0, step: hour, count: 30)
        try await old.candles.upsert(exchange: "binance", symbol: btc, timeframe: .oneHour, bars: bars)
        #expect(try await old.strings("SELECT name FROM sqlite_master WHERE name = 'idempotency_keys'").isEmpty)
        await old.close()

        let database = try await Database.open(path: directory.databasePath)
        #expect(try await database.schemaVersion() == 6)
        #expect(try await database.appliedMigrations().map(\.version) == [1, 2, 3, 4, 5, 6])
        let run = try #require(try await database.runs.run(id: "0123456789ab"))
        #expect(run == RunRecord(
            id: "0123456789ab", mode: "paper", strategyName: "BuyAndHold", status: "completed",
            configJSON: #"{"symbols":["BTC/USDT"]}"#, createdAt: 1_700_000_000_000, startedAt: 1_700_000_000_001,
            endedAt: 1_700_000_600_000, error: nil, metricsJSON: #"{"total_return":0.5}"#, finalValue: 10500.25, tradeCount: 1))
        let activity = try await database.runs.activity(id: "0123456789ab")
        #expect(activity.ordersJSON == [#"{"client_order_id":"ct0123456789ab1","id":1,"status":"filled"}"#])
        #expect(activity.tradesJSON == [#"{"id":1,"status":"closed"}"#])
        #expect(activity.fillsJSON == [#"{"id":1,"order_id":1}"#])
        #expect(try await database.runs.order(runID: "0123456789ab", clientOrderID: "ct0123456789ab1") == activity.ordersJSON[0])
        #expect(try await database.runs.results(id: "0123456789ab")?.resultsJSON == #"{"run_id":"0123456789ab"}"#)
        #expect(try await database.runs.reconciliation(runID: "0123456789ab") == #"{"decision":"kept"}"#)
        let script = try #require(try await database.scripts.script(named: "my cross"))
        #expect(script.info.name == "My Cross")
        #expect(script.info.version == 2)
        #expect(script.source == #"strategy("b")"#)
        #expect(try await database.scripts.versions(name: "My Cross")?.map(\.version) == [2, 1])
        let stored = try await database.candles.bars(exchange: "binance", symbol: btc, timeframe: .oneHour, from: 0, to: 30 * hour)
        #expect(bitIdentical(stored, bars))

        // The table version 5 added is there and works.
        let reservation = try await database.idempotency.reserve(route: "backtest", key: "k1", bodySHA256: String(repeating: "a", count: 64), now: 1)
        guard case .reserved = reservation else { throw StorageTestFailure("a new key should be reserved") }
        // Old rows and new features together: a new run and a delete still cascade through old rows.
        #expect(try await database.runs.deleteRun(id: "0123456789ab"))
        #expect(try await database.runs.activity(id: "0123456789ab").ordersJSON.isEmpty)
        #expect(try await database.runs.reconciliation(runID: "0123456789ab") == nil)
        await database.close()
    }

    @Test("a version 1 database (the first release) upgrades through every migration; its orders get client order ids")
    func fromFirstRelease() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let location = Database.Location.file(path: directory.databasePath)
        let old = try await Database.open(location: location, migrations: [Migrations.initialSchema])
        try await old.write { connection in
            try await connection.execute(Self.version4Rows[0])
            try await connection.execute(Self.version4Rows[1])
            try await connection.execute(Self.version4Rows[2])
        }
        await old.close()

        let database = try await Database.open(path: directory.databasePath)
        #expect(try await database.schemaVersion() == Migrations.latestVersion)
        #expect(try await database.runs.order(runID: "0123456789ab", clientOrderID: "ct0123456789ab1")
            == #"{"client_order_id":"ct0123456789ab1","id":1,"status":"filled"}"#)
        #expect(try await database.runs.activity(id: "0123456789ab").fillsJSON.isEmpty)
        #expect(try await database.runs.listRuns(limit: 5, offset: 0).runs.map(\.id) == ["0123456789ab"])
        #expect(try await database.scripts.list().isEmpty)
        await database.close()
    }
}

struct StorageTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
