import NIOCore
import SQLiteNIO

/// One point of a stored equity curve.
public struct EquitySample: Sendable, Hashable {
    /// Milliseconds since the epoch, UTC.
    public var timestamp: Int64
    public var value: Double
    public var cash: Double
    public var pnl: Double

    public init(timestamp: Int64, value: Double, cash: Double, pnl: Double) {
        self.timestamp = timestamp
        self.value = value
        self.cash = cash
        self.pnl = pnl
    }
}

/// A run as stored in `runs`. Engine and server types stay outside Storage: `mode`, `status` and
/// the JSON columns are the caller's strings (`configJSON` must already have secrets masked).
public struct RunRecord: Sendable, Hashable {
    public var id: String
    /// `backtest`, `paper`, `sandbox` or `live`.
    public var mode: String
    public var strategyName: String
    /// `starting`, `running`, `stopping`, `stopped`, `completed` or `failed`.
    public var status: String
    public var configJSON: String
    /// Milliseconds since the epoch, UTC.
    public var createdAt: Int64
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var error: String?
    public var metricsJSON: String?
    public var finalValue: Double?
    public var tradeCount: Int

    public init(
        id: String, mode: String, strategyName: String, status: String, configJSON: String, createdAt: Int64,
        startedAt: Int64? = nil, endedAt: Int64? = nil, error: String? = nil, metricsJSON: String? = nil,
        finalValue: Double? = nil, tradeCount: Int = 0
    ) {
        self.id = id
        self.mode = mode
        self.strategyName = strategyName
        self.status = status
        self.configJSON = configJSON
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.error = error
        self.metricsJSON = metricsJSON
        self.finalValue = finalValue
        self.tradeCount = tradeCount
    }
}

/// A run in a listing: the record without its configuration.
public struct RunSummary: Sendable, Hashable {
    public var id: String
    public var mode: String
    public var strategyName: String
    public var status: String
    public var createdAt: Int64
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var error: String?
    public var metricsJSON: String?
    public var finalValue: Double?
    public var tradeCount: Int
}

/// The stored outcome of a run.
public struct StoredResults: Sendable, Hashable {
    public var ordersJSON: [String]
    public var tradesJSON: [String]
    public var equity: [EquitySample]
    public var resultsJSON: String
}

/// Run records: `runs`, `run_orders`, `run_trades`, `run_fills`, `run_equity`, `run_results`.
///
/// Writes that record a run's lifecycle (`insertRun`, `updateStatus`, `saveResults`,
/// `markInterruptedRuns`) commit with `synchronous=FULL`: when they return, the change is on disk.
public struct RunStore: Sendable {
    /// Statuses of a run that has not finished; after a crash these become `failed`/`interrupted`.
    public static let activeStatuses = ["starting", "running", "stopping"]

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Inserts a new run; durable when it returns. Throws if the id exists.
    public func insertRun(_ run: RunRecord) async throws {
        try await database.write(durable: true) { connection in
            try await connection.execute(
                """
                INSERT INTO runs (id, mode, strategy_name, status, config_json, created_at, started_at, ended_at, error,
                                  metrics_json, final_value, trade_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(run.id), .text(run.mode), .text(run.strategyName), .text(run.status), .text(run.configJSON),
                    .int(run.createdAt), .optionalInt(run.startedAt), .optionalInt(run.endedAt), .optionalText(run.error),
                    .optionalText(run.metricsJSON), .optionalFloat(run.finalValue), .integer(run.tradeCount),
                ])
        }
    }

    /// Sets `status`; `startedAt`, `endedAt` and `error` are written only when non-nil (a nil
    /// keeps the stored value). Returns false when no run has this id.
    @discardableResult
    public func updateStatus(
        id: String, status: String, startedAt: Int64? = nil, endedAt: Int64? = nil, error: String? = nil
    ) async throws -> Bool {
        try await database.write(durable: true) { connection in
            try await !connection.query(
                """
                UPDATE runs SET status = ?, started_at = COALESCE(?, started_at), ended_at = COALESCE(?, ended_at),
                                error = COALESCE(?, error)
                WHERE id = ? RETURNING id
                """,
                [.text(status), .optionalInt(startedAt), .optionalInt(endedAt), .optionalText(error), .text(id)]
            ).isEmpty
        }
    }

    /// Moves a run forward to `status` (`running`, `stopping`) only while it is stored in one of
    /// `from`: the write of a transition the run has since left behind — a stop request whose
    /// `stopping` reaches storage after the run saved its results as `stopped` — changes nothing.
    /// Returns false when no run with this id is in `from`.
    @discardableResult
    public func advanceStatus(id: String, to status: String, from: [String]) async throws -> Bool {
        guard !from.isEmpty else { return false }
        let placeholders = Array(repeating: "?", count: from.count).joined(separator: ", ")
        return try await database.write(durable: true) { connection in
            try await !connection.query(
                "UPDATE runs SET status = ? WHERE id = ? AND status IN (\(placeholders)) RETURNING id",
                [.text(status), .text(id)] + from.map { .text($0) }
            ).isEmpty
        }
    }

    /// Stores a run's results in one transaction, replacing any saved before: metrics, final value
    /// and trade count on the run row, and its orders, trades, equity curve and results document.
    /// Throws ``StorageError`` `.notFound` when the run does not exist (nothing is written).
    ///
    /// - Parameter terminal: the status the run ends with, written in the same transaction, so a
    ///   crash right after the commit never leaves saved results on a run that start-up then marks
    ///   interrupted (nor a finished run without its results).
    public func saveResults(
        id: String, metricsJSON: String, finalValue: Double?, tradeCount: Int,
        ordersJSON: [String], tradesJSON: [String], equity: [EquitySample], resultsJSON: String,
        terminal: (status: String, endedAt: Int64, error: String?)? = nil
    ) async throws {
        let equityBlob = PackedCodec.encode(equity: equity)
        try await database.write(durable: true) { connection in
            let updated = try await connection.query(
                """
                UPDATE runs SET metrics_json = ?, final_value = ?, trade_count = ?, status = COALESCE(?, status),
                                ended_at = COALESCE(?, ended_at), error = COALESCE(?, error)
                WHERE id = ? RETURNING id
                """,
                [.text(metricsJSON), .optionalFloat(finalValue), .integer(tradeCount), .optionalText(terminal?.status),
                 .optionalInt(terminal?.endedAt), .optionalText(terminal?.error), .text(id)])
            guard !updated.isEmpty else { throw StorageError("run \(id) not found", kind: .notFound) }
            for table in ["run_orders", "run_trades", "run_equity", "run_results"] {
                try await connection.execute("DELETE FROM \(table) WHERE run_id = ?", [.text(id)])
            }
            try await Self.insertSequence(ordersJSON, into: "run_orders", runID: id, on: connection)
            try await Self.insertSequence(tradesJSON, into: "run_trades", runID: id, on: connection)
            try await connection.execute(
                "INSERT INTO run_equity (run_id, point_count, points) VALUES (?, ?, ?)",
                [.text(id), .integer(equity.count), .blob(equityBlob)])
            try await connection.execute(
                "INSERT INTO run_results (run_id, results_json) VALUES (?, ?)", [.text(id), .text(resultsJSON)])
        }
    }

    /// Multi-row INSERTs of up to 1,000 rows per statement.
    private static func insertSequence(_ items: [String], into table: String, runID: String, on connection: SQLiteConnection) async throws {
        let batch = 1_000
        var start = 0
        while start < items.count {
            let end = min(start + batch, items.count)
            var binds: [SQLiteData] = []
            binds.reserveCapacity((end - start) * 3)
            for seq in start..<end {
                binds.append(.text(runID))
                binds.append(.integer(seq))
                binds.append(.text(items[seq]))
            }
            let values = repeatElement("(?, ?, ?)", count: end - start).joined(separator: ", ")
            try await connection.execute("INSERT INTO \(table) (run_id, seq, json) VALUES \(values)", binds)
            start = end
        }
    }

    /// Runs newest first (`created_at` descending, then insertion order descending), and the total
    /// number of runs.
    public func listRuns(limit: Int, offset: Int = 0) async throws -> (runs: [RunSummary], total: Int) {
        try await database.read { connection in
            let total = try await connection.query("SELECT COUNT(*) AS total FROM runs").first?.int("total") ?? 0
            let rows = try await connection.query(
                """
                SELECT id, mode, strategy_name, status, created_at, started_at, ended_at, error, metrics_json, final_value,
                       trade_count
                FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?
                """,
                [.integer(max(0, limit)), .integer(max(0, offset))])
            let runs = try rows.map { row in
                RunSummary(
                    id: try row.text("id"), mode: try row.text("mode"), strategyName: try row.text("strategy_name"),
                    status: try row.text("status"), createdAt: try row.int64("created_at"),
                    startedAt: try row.optionalInt64("started_at"), endedAt: try row.optionalInt64("ended_at"),
                    error: try row.optionalText("error"), metricsJSON: try row.optionalText("metrics_json"),
                    finalValue: try row.optionalDouble("final_value"), tradeCount: try row.int("trade_count"))
            }
            return (runs, total)
        }
    }

    public func run(id: String) async throws -> RunRecord? {
        let rows = try await database.read { connection in
            try await connection.query("SELECT * FROM runs WHERE id = ?", [.text(id)])
        }
        return try rows.first.map { row in
            RunRecord(
                id: try row.text("id"), mode: try row.text("mode"), strategyName: try row.text("strategy_name"),
                status: try row.text("status"), configJSON: try row.text("config_json"),
                createdAt: try row.int64("created_at"), startedAt: try row.optionalInt64("started_at"),
                endedAt: try row.optionalInt64("ended_at"), error: try row.optionalText("error"),
                metricsJSON: try row.optionalText("metrics_json"), finalValue: try row.optionalDouble("final_value"),
                tradeCount: try row.int("trade_count"))
        }
    }

    /// The saved results of a run, or nil when none were saved (or the run does not exist).
    public func results(id: String) async throws -> StoredResults? {
        try await database.read { connection in
            guard let resultsRow = try await connection.query(
                "SELECT results_json FROM run_results WHERE run_id = ?", [.text(id)]
            ).first else { return nil }
            let orders = try await connection.query("SELECT json FROM run_orders WHERE run_id = ? ORDER BY seq", [.text(id)])
            let trades = try await connection.query("SELECT json FROM run_trades WHERE run_id = ? ORDER BY seq", [.text(id)])
            let equity = try await connection.query("SELECT points FROM run_equity WHERE run_id = ?", [.text(id)]).first
            return StoredResults(
                ordersJSON: try orders.map { try $0.text("json") },
                tradesJSON: try trades.map { try $0.text("json") },
                equity: try equity.map { try PackedCodec.decodeEquity(try $0.blob("points")) } ?? [],
                resultsJSON: try resultsRow.text("results_json"))
        }
    }

    /// Deletes a run and (by cascade) its orders, trades, fills, equity and results. False when absent.
    @discardableResult
    public func deleteRun(id: String) async throws -> Bool {
        try await database.write(durable: true) { connection in
            try await !connection.query("DELETE FROM runs WHERE id = ? RETURNING id", [.text(id)]).isEmpty
        }
    }

    /// At start-up after a crash: every run still `starting`/`running`/`stopping` becomes `failed`
    /// with error `interrupted` (and `ended_at` = now unless already set). Returns their ids, sorted.
    @discardableResult
    public func markInterruptedRuns(at now: Int64? = nil) async throws -> [String] {
        let endedAt = now ?? currentTimeMilliseconds()
        let placeholders = repeatElement("?", count: Self.activeStatuses.count).joined(separator: ", ")
        let rows = try await database.write(durable: true) { connection in
            try await connection.query(
                """
                UPDATE runs SET status = 'failed', error = 'interrupted', ended_at = COALESCE(ended_at, ?)
                WHERE status IN (\(placeholders)) RETURNING id
                """,
                [.int(endedAt)] + Self.activeStatuses.map { .text($0) })
        }
        return try rows.map { try $0.text("id") }.sorted()
    }
}
