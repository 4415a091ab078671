import SQLiteNIO

/// One schema step. `version` numbers are 1, 2, 3… in order; a migration is never edited once
/// released — a change is a new migration appended to ``Migrations/all``.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// Executed in order inside one transaction (one statement per string).
    let statements: [String]
}

/// The schema history of `cracktrader.sqlite`. See `docs/storage.md` for the tables.
enum Migrations {
    static let all: [Migration] = [initialSchema, orderJournal, scripts, reconciliations, idempotencyKeys, sweeps]

    /// The newest schema version this build knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    static let initialSchema = Migration(
        version: 1,
        name: "initial schema: candle cache and run records",
        statements: [
            // One row per cached series; chunks refer to it by a small integer.
            """
            CREATE TABLE candle_series (
                id INTEGER PRIMARY KEY,
                exchange TEXT NOT NULL,
                symbol TEXT NOT NULL,
                timeframe TEXT NOT NULL,
                UNIQUE (exchange, symbol, timeframe)
            )
            """,
            // Candles packed 48 bytes each (open_time Int64 + open, high, low, close, volume
            // Float64, little-endian), sorted by open time, bucketed by chunk_start.
            """
            CREATE TABLE candle_chunks (
                series_id INTEGER NOT NULL REFERENCES candle_series (id) ON DELETE CASCADE,
                chunk_start INTEGER NOT NULL,
                first_open INTEGER NOT NULL,
                last_open INTEGER NOT NULL,
                bar_count INTEGER NOT NULL CHECK (bar_count > 0),
                bars BLOB NOT NULL CHECK (length(bars) = bar_count * 48),
                CHECK (first_open <= last_open),
                CHECK (first_open >= chunk_start),
                PRIMARY KEY (series_id, chunk_start)
            )
            """,
            """
            CREATE TABLE runs (
                id TEXT PRIMARY KEY NOT NULL,
                mode TEXT NOT NULL,
                strategy_name TEXT NOT NULL,
                status TEXT NOT NULL,
                config_json TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                started_at INTEGER,
                ended_at INTEGER,
                error TEXT,
                metrics_json TEXT,
                final_value REAL,
                trade_count INTEGER NOT NULL DEFAULT 0 CHECK (trade_count >= 0)
            )
            """,
            "CREATE INDEX runs_by_created ON runs (created_at)",
            "CREATE INDEX runs_by_status ON runs (status)",
            """
            CREATE TABLE run_orders (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                json TEXT NOT NULL,
                PRIMARY KEY (run_id, seq)
            )
            """,
            """
            CREATE TABLE run_trades (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                json TEXT NOT NULL,
                PRIMARY KEY (run_id, seq)
            )
            """,
            // Points packed 32 bytes each (timestamp Int64 + value, cash, pnl Float64, little-endian).
            """
            CREATE TABLE run_equity (
                run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                point_count INTEGER NOT NULL CHECK (point_count >= 0),
                points BLOB NOT NULL CHECK (length(points) = point_count * 32)
            )
            """,
            """
            CREATE TABLE run_results (
                run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                results_json TEXT NOT NULL
            )
            """,
        ]
    )
}

extension Migrations {
    /// Version 2: orders and fills committed as they happen (paper runs). Orders keep their
    /// `run_orders` rows, now written while the run goes and looked up by client order id; fills
    /// get their own table.
    static let orderJournal = Migration(
        version: 2,
        name: "order journal: client order ids and fills",
        statements: [
            // Derived from the JSON, so every writer (the journal, the end-of-run save) agrees.
            """
            ALTER TABLE run_orders ADD COLUMN client_order_id TEXT
                GENERATED ALWAYS AS (json_extract(json, '$.client_order_id')) VIRTUAL
            """,
            "CREATE INDEX run_orders_by_client_order_id ON run_orders (run_id, client_order_id)",
            """
            CREATE TABLE run_fills (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                order_id INTEGER NOT NULL,
                json TEXT NOT NULL,
                PRIMARY KEY (run_id, seq)
            )
            """,
        ]
    )
}

/// Applies the migrations newer than `PRAGMA user_version`, each in its own `BEGIN IMMEDIATE`
/// transaction that also records it in `schema_migrations` and bumps `user_version`. The version
/// is re-read inside the transaction, so two processes opening the same file concurrently apply
/// each migration once.
struct Migrator {
    let migrations: [Migration]

    var latestVersion: Int { migrations.last?.version ?? 0 }

    func migrate(_ connection: SQLiteConnection) async throws {
        precondition(migrations.enumerated().allSatisfy { $0.element.version == $0.offset + 1 }, "migrations must be numbered 1, 2, 3…")
        let current = try await connection.userVersion()
        try checkKnown(current)
        guard current < latestVersion else { return }
        for migration in migrations where migration.version > current {
            try await connection.execute("BEGIN IMMEDIATE")
            do {
                let version = try await connection.userVersion()
                try checkKnown(version)
                if version < migration.version {
                    try await connection.execute("""
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version INTEGER PRIMARY KEY,
                            name TEXT NOT NULL,
                            applied_at INTEGER NOT NULL
                        )
                        """)
                    for statement in migration.statements {
                        try await connection.execute(statement)
                    }
                    try await connection.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        [.integer(migration.version), .text(migration.name), .int(currentTimeMilliseconds())])
                    try await connection.execute("PRAGMA user_version = \(migration.version)")
                }
                try await connection.execute("COMMIT")
            } catch {
                try? await connection.execute("ROLLBACK")
                throw StorageError.wrapping(error, context: "migration \(migration.version) (\(migration.name)) failed")
            }
        }
    }

    private func checkKnown(_ version: Int) throws {
        if version > latestVersion {
            throw StorageError(
                "database schema version \(version) is newer than this build supports (\(latestVersion)); "
                    + "upgrade cracktrader or point it at another data directory",
                kind: .schemaTooNew)
        }
    }
}

extension Migrations {
    /// Version 3: saved Pine scripts with their version history, and what a script run keeps (the
    /// exact source it ran, its `plot()` series and TradingView's trade list).
    static let scripts = Migration(
        version: 3,
        name: "pine scripts: scripts, versions and script runs",
        statements: [
            // `name_key` is the lower-cased name: names are unique case-insensitively.
            """
            CREATE TABLE scripts (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                latest_version INTEGER NOT NULL CHECK (latest_version >= 1)
            )
            """,
            """
            CREATE TABLE script_versions (
                script_id INTEGER NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
                version INTEGER NOT NULL CHECK (version >= 1),
                source TEXT NOT NULL,
                sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                size INTEGER NOT NULL CHECK (size >= 0),
                created_at INTEGER NOT NULL,
                PRIMARY KEY (script_id, version)
            )
            """,
            // A copy of the source a run ran (the run shows it even after the script is edited or deleted),
            // its trade list and the open times (Int64 little-endian) of the bars it ran on.
            """
            CREATE TABLE run_scripts (
                run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                version INTEGER NOT NULL,
                sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                source TEXT NOT NULL,
                overlay INTEGER NOT NULL DEFAULT 1,
                trade_list_json TEXT,
                bar_times BLOB NOT NULL DEFAULT x'' CHECK (length(bar_times) % 8 = 0)
            )
            """,
            // One plot() series: a Float64 per bar of run_scripts.bar_times (NaN where the plot was na), little-endian.
            """
            CREATE TABLE run_plots (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                title TEXT NOT NULL,
                point_count INTEGER NOT NULL CHECK (point_count >= 0),
                vals BLOB NOT NULL CHECK (length(vals) = point_count * 8),
                PRIMARY KEY (run_id, seq)
            )
            """,
        ]
    )
}
