import NIOCore
import SQLiteNIO

/// A sweep as stored in `sweeps`. As with runs, the sweep's own types stay outside Storage: the
/// JSON columns are the caller's canonical text.
public struct SweepRecord: Sendable, Hashable {
    public var id: String
    public var name: String?
    /// `running`, `completed`, `stopped`, `failed` or `interrupted`.
    public var status: String
    /// Milliseconds since the epoch, UTC.
    public var createdAt: Int64
    public var endedAt: Int64?
    /// The sweep's config (every default written out), without where its data came from.
    public var configJSON: String
    /// The resolved timeframe and the exchange the bars came from.
    public var timeframe: String
    public var exchange: String
    /// Progress: the stage (0-based), cells done in it and cells in it.
    public var stage: Int
    public var done: Int
    public var total: Int
    /// `{"code","message"}` of a failed sweep.
    public var errorJSON: String?
    /// The results document without its cells (`summary`, `ranking`, `best`, `walk_forward`),
    /// once the sweep has ended with results.
    public var resultsJSON: String?

    public init(
        id: String, name: String?, status: String, createdAt: Int64, endedAt: Int64? = nil, configJSON: String, timeframe: String,
        exchange: String, stage: Int = 0, done: Int = 0, total: Int = 0, errorJSON: String? = nil, resultsJSON: String? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.endedAt = endedAt
        self.configJSON = configJSON
        self.timeframe = timeframe
        self.exchange = exchange
        self.stage = stage
        self.done = done
        self.total = total
        self.errorJSON = errorJSON
        self.resultsJSON = resultsJSON
    }
}

/// One finished cell of a sweep: its id, its place in the ranking (nil when not ranked), its
/// objective, its role and its canonical JSON.
public struct SweepCellRow: Sendable, Hashable {
    public var cellID: String
    public var rank: Int?
    public var objective: Double?
    public var role: String
    public var json: String

    public init(cellID: String, rank: Int?, objective: Double?, role: String, json: String) {
        self.cellID = cellID
        self.rank = rank
        self.objective = objective
        self.role = role
        self.json = json
    }
}

/// The order of a page of cells. Cells without a value for the key (unranked, undefined
/// objective, missing metric) come last in either direction; ties go by cell id.
public enum SweepCellOrder: Sendable, Hashable {
    case rank
    case id
    case objective
    /// A key of the cell's `performance_metrics` (letters, digits and `_` only).
    case metric(String)
}

/// Sweeps started through the API (`sweeps`) and their cells (`sweep_cells`).
public struct SweepStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Records a sweep that has just started.
    public func create(_ record: SweepRecord) async throws {
        try await database.write(durable: true) { connection in
            try await connection.execute(
                """
                INSERT INTO sweeps (id, name, status, created_at, ended_at, config_json, timeframe, exchange, stage, done, total,
                                    error_json, results_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(record.id), .optionalText(record.name), .text(record.status), .int(record.createdAt),
                    .optionalInt(record.endedAt), .text(record.configJSON), .text(record.timeframe), .text(record.exchange),
                    .integer(record.stage), .integer(record.done), .integer(record.total), .optionalText(record.errorJSON),
                    .optionalText(record.resultsJSON),
                ])
        }
    }

    /// Ends a sweep in one transaction: its status, final progress, error and results, and its
    /// cells (replacing any stored before). Returns false when there is no such sweep.
    @discardableResult
    public func finish(
        id: String, status: String, endedAt: Int64, stage: Int, done: Int, total: Int, errorJSON: String?, resultsJSON: String?,
        cells: [SweepCellRow]
    ) async throws -> Bool {
        try await database.write(durable: true) { connection in
            let updated = try await connection.query(
                """
                UPDATE sweeps SET status = ?, ended_at = ?, stage = ?, done = ?, total = ?, error_json = ?, results_json = ?
                WHERE id = ? RETURNING id
                """,
                [
                    .text(status), .int(endedAt), .integer(stage), .integer(done), .integer(total), .optionalText(errorJSON),
                    .optionalText(resultsJSON), .text(id),
                ])
            guard !updated.isEmpty else { return false }
            try await connection.execute("DELETE FROM sweep_cells WHERE sweep_id = ?", [.text(id)])
            for cell in cells {
                try await connection.execute(
                    "INSERT INTO sweep_cells (sweep_id, cell_id, rank, objective, role, cell_json) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .text(id), .text(cell.cellID), cell.rank.map { .integer($0) } ?? .null, .optionalFloat(cell.objective),
                        .text(cell.role), .text(cell.json),
                    ])
            }
            return true
        }
    }

    /// Newest first.
    public func list(limit: Int, offset: Int = 0) async throws -> (sweeps: [SweepRecord], total: Int) {
        try await database.read { connection in
            let total = try await connection.query("SELECT COUNT(*) AS total FROM sweeps").first?.int("total") ?? 0
            let rows = try await connection.query(
                "SELECT * FROM sweeps ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                [.integer(max(0, limit)), .integer(max(0, offset))])
            return (try rows.map(Self.record), total)
        }
    }

    public func sweep(id: String) async throws -> SweepRecord? {
        try await database.read { connection in
            try await connection.query("SELECT * FROM sweeps WHERE id = ?", [.text(id)]).first.map(Self.record)
        }
    }

    /// A page of a sweep's cells (their JSON) and how many cells match `role` in all.
    ///
    /// - Parameter role: only cells with this role; nil for every cell.
    public func cells(
        sweepID: String, role: String? = nil, order: SweepCellOrder = .rank, descending: Bool = false, limit: Int, offset: Int = 0
    ) async throws -> (cells: [String], total: Int) {
        var filter = "sweep_id = ?"
        var binds: [SQLiteData] = [.text(sweepID)]
        if let role {
            filter += " AND role = ?"
            binds.append(.text(role))
        }
        let key: String
        var keyBinds: [SQLiteData] = []
        switch order {
        case .rank: key = "rank"
        case .id: key = "cell_id"
        case .objective: key = "objective"
        case .metric(let name):
            // The name goes in as a bound JSON path, never into the SQL text.
            precondition(name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) })
            key = "json_extract(cell_json, ?)"
            keyBinds = [.text("$.performance_metrics.\(name)")]
        }
        let direction = descending ? "DESC" : "ASC"
        let sql = """
            SELECT cell_json FROM sweep_cells WHERE \(filter)
            ORDER BY (\(key)) IS NULL, \(key) \(direction), cell_id ASC LIMIT ? OFFSET ?
            """
        let pageBinds = binds + keyBinds + keyBinds + [.integer(max(0, limit)), .integer(max(0, offset))]
        let countBinds = binds
        let countSQL = "SELECT COUNT(*) AS total FROM sweep_cells WHERE \(filter)"
        return try await database.read { connection in
            let total = try await connection.query(countSQL, countBinds).first?.int("total") ?? 0
            let rows = try await connection.query(sql, pageBinds)
            return (try rows.map { try $0.text("cell_json") }, total)
        }
    }

    /// Deletes a sweep and its cells. Returns false when there is no such sweep.
    @discardableResult
    public func delete(id: String) async throws -> Bool {
        try await database.write(durable: true) { connection in
            try await !connection.query("DELETE FROM sweeps WHERE id = ? RETURNING id", [.text(id)]).isEmpty
        }
    }

    /// Marks sweeps a previous process left `running` as `interrupted` (on start-up); returns their ids.
    public func markInterrupted(at now: Int64? = nil) async throws -> [String] {
        let endedAt = now ?? currentTimeMilliseconds()
        let rows = try await database.write(durable: true) { connection in
            try await connection.query(
                "UPDATE sweeps SET status = 'interrupted', ended_at = COALESCE(ended_at, ?) WHERE status = 'running' RETURNING id",
                [.int(endedAt)])
        }
        return try rows.map { try $0.text("id") }.sorted()
    }

    static func record(_ row: SQLiteRow) throws -> SweepRecord {
        SweepRecord(
            id: try row.text("id"), name: try row.optionalText("name"), status: try row.text("status"),
            createdAt: try row.int64("created_at"), endedAt: try row.optionalInt64("ended_at"), configJSON: try row.text("config_json"),
            timeframe: try row.text("timeframe"), exchange: try row.text("exchange"), stage: try row.int("stage"),
            done: try row.int("done"), total: try row.int("total"), errorJSON: try row.optionalText("error_json"),
            resultsJSON: try row.optionalText("results_json"))
    }
}

extension Database {
    /// API sweeps on this database.
    public nonisolated var sweeps: SweepStore { SweepStore(database: self) }
}
