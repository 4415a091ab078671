import NIOCore
import SQLiteNIO

/// A saved script without its source (lists).
public struct ScriptInfo: Sendable, Hashable {
    public var name: String
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The newest version's number (1, 2, 3…), hash and size in bytes of UTF-8.
    public var version: Int
    public var sha256: String
    public var size: Int
}

/// A saved script with the source of its newest version.
public struct ScriptRecord: Sendable, Hashable {
    public var info: ScriptInfo
    public var source: String
}

/// One saved version of a script.
public struct ScriptVersionRecord: Sendable, Hashable {
    public var version: Int
    public var sha256: String
    public var size: Int
    public var createdAt: Int64
    /// nil in lists (`versions(name:)`), the text in `version(name:number:)`.
    public var source: String?
}

/// What a script run keeps: the exact source it ran and, once it ends, its plots and trade list.
public struct RunScriptRecord: Sendable, Hashable {
    public var name: String
    public var version: Int
    public var sha256: String
    public var source: String
    public var overlay: Bool
    /// The TradingView-style trade list as the server renders it (nil until the run ends).
    public var tradeListJSON: String?
    /// The open time of each bar the script ran on (ms); the plots have one value per bar.
    public var barTimes: [Int64]
    /// Each `plot()` series: its title and one value per bar (NaN for na).
    public var plots: [StoredPlot]

    public init(name: String, version: Int, sha256: String, source: String, overlay: Bool, tradeListJSON: String? = nil,
                barTimes: [Int64] = [], plots: [StoredPlot] = []) {
        self.barTimes = barTimes
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.source = source
        self.overlay = overlay
        self.tradeListJSON = tradeListJSON
        self.plots = plots
    }
}

public struct StoredPlot: Sendable, Hashable {
    public var title: String
    public var values: [Double]

    public init(title: String, values: [Double]) {
        self.title = title
        self.values = values
    }

    public static func == (lhs: StoredPlot, rhs: StoredPlot) -> Bool {
        lhs.title == rhs.title && lhs.values.map(\.bitPattern) == rhs.values.map(\.bitPattern)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(title)
        hasher.combine(values.map(\.bitPattern))
    }
}

/// The rules for script names: 1–64 characters of letters, digits, space, `_`, `.` and `-`, not
/// starting or ending with a space. Unique case-insensitively (the store enforces that).
public enum ScriptNameRule {
    public static let maximumLength = 64

    /// Why `name` is not a valid script name, or nil when it is.
    public static func problem(_ name: String) -> String? {
        let scalars = name.unicodeScalars
        if scalars.isEmpty { return "must not be empty" }
        if scalars.count > maximumLength { return "must be at most \(maximumLength) characters" }
        for scalar in scalars {
            let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == " " || scalar == "_" || scalar == "." || scalar == "-"
            if !ok { return "may only contain letters A–Z, digits, spaces, '_', '.' and '-'" }
        }
        if scalars.first == " " || scalars.last == " " { return "must not start or end with a space" }
        return nil
    }

    /// The key names are compared by.
    public static func key(_ name: String) -> String { name.lowercased() }
}

/// Saved Pine scripts (`scripts`, `script_versions`) and what script runs keep (`run_scripts`,
/// `run_plots`). Every save of a changed source is a new version with its SHA-256; saving the
/// same text again adds none.
public struct ScriptStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func list() async throws -> [ScriptInfo] {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT s.name, s.created_at, s.updated_at, s.latest_version, v.sha256, v.size
                FROM scripts s JOIN script_versions v ON v.script_id = s.id AND v.version = s.latest_version
                ORDER BY s.name_key
                """
            ).map(Self.info)
        }
    }

    /// The script (case-insensitive name) with its newest source, or nil.
    public func script(named name: String) async throws -> ScriptRecord? {
        try await database.read { connection in
            try await Self.fetch(name: name, on: connection)
        }
    }

    /// Creates a script with version 1. Returns nil (and writes nothing) when the name is taken,
    /// compared case-insensitively. The caller validates the name.
    public func create(name: String, source: String, at now: Int64) async throws -> ScriptRecord? {
        let hash = SHA256Digest.hex(source)
        return try await database.write(durable: true) { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO scripts (name, name_key, created_at, updated_at, latest_version) VALUES (?, ?, ?, ?, 1)
                ON CONFLICT (name_key) DO NOTHING RETURNING id
                """,
                [.text(name), .text(ScriptNameRule.key(name)), .int(now), .int(now)])
            guard let id = try inserted.first?.int64("id") else { return nil }
            try await Self.insertVersion(scriptID: id, version: 1, source: source, hash: hash, at: now, on: connection)
            return try await Self.fetch(name: name, on: connection)
        }
    }

    /// Saves a new version when `source` differs from the newest one (else changes nothing).
    /// Returns nil when there is no such script.
    public func update(name: String, source: String, at now: Int64) async throws -> (record: ScriptRecord, created: Bool)? {
        let hash = SHA256Digest.hex(source)
        return try await database.write(durable: true) { connection in
            guard let current = try await Self.fetch(name: name, on: connection) else { return nil }
            if current.info.sha256 == hash && current.source == source { return (current, false) }
            guard let id = try await connection.query(
                "SELECT id FROM scripts WHERE name_key = ?", [.text(ScriptNameRule.key(name))]
            ).first?.int64("id") else { return nil }
            let next = current.info.version + 1
            try await Self.insertVersion(scriptID: id, version: next, source: source, hash: hash, at: now, on: connection)
            try await connection.execute(
                "UPDATE scripts SET latest_version = ?, updated_at = ? WHERE id = ?", [.integer(next), .int(now), .int(id)])
            guard let saved = try await Self.fetch(name: name, on: connection) else { return nil }
            return (saved, true)
        }
    }

    /// Deletes a script and all its versions. Runs keep their own copy of the source they ran.
    @discardableResult
    public func delete(name: String) async throws -> Bool {
        try await database.write(durable: true) { connection in
            try await !connection.query(
                "DELETE FROM scripts WHERE name_key = ? RETURNING id", [.text(ScriptNameRule.key(name))]
            ).isEmpty
        }
    }

    /// Every version, newest first, without sources; nil when there is no such script.
    public func versions(name: String) async throws -> [ScriptVersionRecord]? {
        try await database.read { connection in
            guard let id = try await connection.query(
                "SELECT id FROM scripts WHERE name_key = ?", [.text(ScriptNameRule.key(name))]
            ).first?.int64("id") else { return nil }
            return try await connection.query(
                "SELECT version, sha256, size, created_at FROM script_versions WHERE script_id = ? ORDER BY version DESC",
                [.int(id)]
            ).map { row in
                ScriptVersionRecord(
                    version: try row.int("version"), sha256: try row.text("sha256"), size: try row.int("size"),
                    createdAt: try row.int64("created_at"), source: nil)
            }
        }
    }

    /// One version with its source; nil when the script or the version does not exist.
    public func version(name: String, number: Int) async throws -> ScriptVersionRecord? {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT v.version, v.sha256, v.size, v.created_at, v.source
                FROM script_versions v JOIN scripts s ON s.id = v.script_id WHERE s.name_key = ? AND v.version = ?
                """,
                [.text(ScriptNameRule.key(name)), .integer(number)]
            ).first.map { row in
                ScriptVersionRecord(
                    version: try row.int("version"), sha256: try row.text("sha256"), size: try row.int("size"),
                    createdAt: try row.int64("created_at"), source: try row.text("source"))
            }
        }
    }

    // MARK: Script runs

    /// Records which script version a run runs (a copy of the source). The run must exist.
    public func recordRun(runID: String, _ script: RunScriptRecord) async throws {
        try await database.write(durable: true) { connection in
            try await connection.execute(
                """
                INSERT OR REPLACE INTO run_scripts (run_id, name, version, sha256, source, overlay, trade_list_json)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(runID), .text(script.name), .integer(script.version), .text(script.sha256), .text(script.source),
                    .integer(script.overlay ? 1 : 0), .optionalText(script.tradeListJSON),
                ])
        }
    }

    /// Stores a finished script run's trade list and plots (replacing earlier ones) in one transaction.
    public func saveRunOutputs(runID: String, tradeListJSON: String, barTimes: [Int64], plots: [StoredPlot]) async throws {
        let blobs = plots.map { Self.encode($0.values) }
        let times = Self.encode(barTimes.map { Double(bitPattern: UInt64(bitPattern: $0)) })
        try await database.write(durable: true) { connection in
            let updated = try await connection.query(
                "UPDATE run_scripts SET trade_list_json = ?, bar_times = ? WHERE run_id = ? RETURNING run_id",
                [.text(tradeListJSON), .blob(times), .text(runID)])
            guard !updated.isEmpty else { throw StorageError("script run \(runID) not found", kind: .notFound) }
            try await connection.execute("DELETE FROM run_plots WHERE run_id = ?", [.text(runID)])
            for (seq, plot) in plots.enumerated() {
                try await connection.execute(
                    "INSERT INTO run_plots (run_id, seq, title, point_count, vals) VALUES (?, ?, ?, ?, ?)",
                    [.text(runID), .integer(seq), .text(plot.title), .integer(plot.values.count), .blob(blobs[seq])])
            }
        }
    }

    /// The script a run ran, with its outputs; nil for runs of built-in strategies.
    public func run(id: String) async throws -> RunScriptRecord? {
        try await database.read { connection in
            guard let row = try await connection.query(
                "SELECT name, version, sha256, source, overlay, trade_list_json, bar_times FROM run_scripts WHERE run_id = ?", [.text(id)]
            ).first else { return nil }
            let plots = try await connection.query(
                "SELECT title, vals FROM run_plots WHERE run_id = ? ORDER BY seq", [.text(id)]
            ).map { StoredPlot(title: try $0.text("title"), values: try Self.decode(try $0.blob("vals"))) }
            return RunScriptRecord(
                name: try row.text("name"), version: try row.int("version"), sha256: try row.text("sha256"),
                source: try row.text("source"), overlay: try row.int("overlay") != 0,
                tradeListJSON: try row.optionalText("trade_list_json"),
                barTimes: try Self.decode(try row.blob("bar_times")).map { Int64(bitPattern: $0.bitPattern) }, plots: plots)
        }
    }

    // MARK: Helpers

    private static func info(_ row: SQLiteRow) throws -> ScriptInfo {
        ScriptInfo(
            name: try row.text("name"), createdAt: try row.int64("created_at"), updatedAt: try row.int64("updated_at"),
            version: try row.int("latest_version"), sha256: try row.text("sha256"), size: try row.int("size"))
    }

    private static func fetch(name: String, on connection: SQLiteConnection) async throws -> ScriptRecord? {
        try await connection.query(
            """
            SELECT s.name, s.created_at, s.updated_at, s.latest_version, v.sha256, v.size, v.source
            FROM scripts s JOIN script_versions v ON v.script_id = s.id AND v.version = s.latest_version
            WHERE s.name_key = ?
            """,
            [.text(ScriptNameRule.key(name))]
        ).first.map { ScriptRecord(info: try info($0), source: try $0.text("source")) }
    }

    private static func insertVersion(
        scriptID: Int64, version: Int, source: String, hash: String, at now: Int64, on connection: SQLiteConnection
    ) async throws {
        try await connection.execute(
            "INSERT INTO script_versions (script_id, version, source, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.int(scriptID), .integer(version), .text(source), .text(hash), .integer(source.utf8.count), .int(now)])
    }

    static func encode(_ values: [Double]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: values.count * 8)
        for value in values { buffer.writeInteger(value.bitPattern, endianness: .little) }
        return buffer
    }

    static func decode(_ buffer: ByteBuffer) throws -> [Double] {
        guard buffer.readableBytes % 8 == 0 else {
            throw StorageError("corrupt plot: \(buffer.readableBytes) bytes is not a multiple of 8", kind: .sqlite)
        }
        var copy = buffer
        var values: [Double] = []
        values.reserveCapacity(buffer.readableBytes / 8)
        while let bits = copy.readInteger(endianness: .little, as: UInt64.self) { values.append(Double(bitPattern: bits)) }
        return values
    }
}

extension Database {
    public nonisolated var scripts: ScriptStore { ScriptStore(database: self) }
}
