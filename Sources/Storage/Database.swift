import NIOCore
import SQLiteNIO

/// The one SQLite database of a Cracktrader data directory (`<data-dir>/cracktrader.sqlite`).
///
/// - Opens the file in WAL mode (`journal_mode=WAL`, `synchronous=NORMAL`, `foreign_keys=ON`,
///   a 5 s busy timeout) and brings the schema up to date with the ordered migrations in
///   ``Migrations`` — each one in its own transaction, recorded in `schema_migrations` and in
///   `PRAGMA user_version`. A database written by a newer build is refused with a clear error.
/// - Every multi-row change runs inside ``write(durable:_:)`` (`BEGIN IMMEDIATE … COMMIT`, rolled
///   back on any thrown error), so a failure half-way leaves nothing half-written.
/// - One writer connection; file databases get a second, read-only connection so that long reads
///   (a million cached candles) never wait behind a write and vice versa. Each connection is used
///   by one operation at a time (a FIFO gate), which is also what keeps a transaction's statements
///   from interleaving with another task's.
///
/// Typical use: `let database = try await Database.open(directory: dataDirectory)`, then
/// `database.candles` / `database.runs`; `await database.close()` on shutdown.
public actor Database {
    /// File name of the database inside the data directory.
    public static let fileName = "cracktrader.sqlite"
    /// How long a statement waits for another process's lock before failing with `SQLITE_BUSY`.
    public static let busyTimeoutMilliseconds = 5_000

    /// Where the database lives.
    public enum Location: Sendable, Hashable, CustomStringConvertible {
        case file(path: String)
        /// A private in-memory database (tests). Gone when closed.
        case memory

        public var description: String {
            switch self {
            case .file(let path): path
            case .memory: ":memory:"
            }
        }
    }

    public nonisolated let location: Location
    /// The journal mode SQLite reported after `PRAGMA journal_mode=WAL`: `wal` for a file on a
    /// normal file system, `memory` for an in-memory database.
    public nonisolated let journalMode: String

    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let hasSeparateReader: Bool
    /// Test only: makes writes fail like a full disk (see ``StorageFaultInjector``); nil normally.
    private let faultInjector: StorageFaultInjector?
    private var writerGate = Gate()
    private var readerGate = Gate()
    private var isClosed = false

    private init(
        location: Location, writer: SQLiteConnection, reader: SQLiteConnection?, journalMode: String,
        faultInjector: StorageFaultInjector?
    ) {
        self.location = location
        self.writer = writer
        self.reader = reader ?? writer
        self.hasSeparateReader = reader != nil
        self.journalMode = journalMode
        self.faultInjector = faultInjector
    }

    /// Safety net for a database dropped without ``close()``: the connections are closed on the
    /// thread pool (each close keeps its connection alive until it has run).
    deinit {
        if !isClosed {
            if hasSeparateReader { _ = reader.close() }
            _ = writer.close()
        }
    }

    // MARK: Opening and closing

    /// Opens (creating if needed) `<directory>/cracktrader.sqlite`; creates the directory first.
    public static func open(directory: DataDirectory) async throws -> Database {
        try directory.create()
        return try await open(path: directory.path + "/" + fileName)
    }

    /// Opens (creating if needed) the database file at `path`, checks it (`PRAGMA quick_check`)
    /// and migrates it. A damaged file throws `.corrupt` and is left exactly as it was — never
    /// recreated; a disk that cannot be written throws `.unavailable`.
    public static func open(path: String) async throws -> Database {
        try await open(location: .file(path: path), migrations: Migrations.all)
    }

    /// A fresh private in-memory database with the current schema (for tests).
    public static func openInMemory() async throws -> Database {
        try await open(location: .memory, migrations: Migrations.all)
    }

    /// Opens with an explicit migration list (tests use this to exercise failing and future
    /// migrations).
    static func open(location: Location, migrations: [Migration]) async throws -> Database {
        let storage: SQLiteConnection.Storage
        switch location {
        case .memory: storage = .memory
        case .file(let path): storage = .file(path: path)
        }
        let writer: SQLiteConnection
        do {
            writer = try await SQLiteConnection.open(storage: storage)
        } catch {
            throw StorageError.wrapping(error, context: "cannot open database \(location)")
        }
        var reader: SQLiteConnection?
        do {
            try await writer.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
            // Before anything writes: a damaged file must stop the opener, not be "repaired" by it.
            if case .file = location { try await checkIntegrity(writer, location: location) }
            try await writer.execute("PRAGMA foreign_keys = ON")
            let mode = try await writer.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string ?? "unknown"
            try await writer.execute("PRAGMA synchronous = NORMAL")
            // Truncate the WAL back to 64 MiB after a checkpoint (a 1M-candle import grows it to ~50 MB).
            try await writer.execute("PRAGMA journal_size_limit = 67108864")
            try await Migrator(migrations: migrations).migrate(writer)
            if case .file = location {
                let connection = try await SQLiteConnection.open(storage: storage)
                reader = connection
                try await connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
                try await connection.execute("PRAGMA query_only = ON")
            }
            let injector: StorageFaultInjector? = if case .file(let path) = location { StorageFaultInjector.lookup(path: path) } else { nil }
            return Database(location: location, writer: writer, reader: reader, journalMode: mode.lowercased(), faultInjector: injector)
        } catch {
            try? await reader?.close().get()
            try? await writer.close().get()
            if let storage = error as? StorageError, storage.kind == .corrupt, !storage.description.hasPrefix("database ") {
                throw corruption(location: location, detail: storage.description)
            }
            throw StorageError.wrapping(error, context: "cannot open database \(location)")
        }
    }

    /// `PRAGMA quick_check` (every page, b-tree and index entry count; not index contents, see
    /// `cracktrader db check --full`): anything but `ok` throws `.corrupt`.
    private static func checkIntegrity(_ connection: SQLiteConnection, location: Location) async throws {
        let problems: [String]
        do {
            problems = try await connection.query("PRAGMA quick_check(20)").map { $0.columns.first?.data.string ?? "" }
        } catch {
            throw StorageError.wrapping(error, context: nil)
        }
        guard problems != ["ok"] else { return }
        throw corruption(location: location, detail: "PRAGMA quick_check: " + problems.joined(separator: "; "))
    }

    /// The one message a damaged database gets, naming the file and what to do.
    static func corruption(location: Location, detail: String) -> StorageError {
        StorageError(
            "database \(location) is damaged (\(detail)). It was left exactly as it is. Stop and restore a backup "
                + "(made with `cracktrader db backup`), or move the file and its -wal and -shm files aside to start "
                + "with an empty database; `cracktrader db check` lists the problems",
            kind: .corrupt)
    }

    /// Closes both connections after the operations already queued have finished. Idempotent.
    public func close() async {
        guard !isClosed else { return }
        await acquire(writer: true)
        if hasSeparateReader { await acquire(writer: false) }
        guard !isClosed else {
            if hasSeparateReader { release(writer: false) }
            release(writer: true)
            return
        }
        isClosed = true
        if hasSeparateReader { try? await reader.close().get() }
        try? await writer.close().get()
        if hasSeparateReader { release(writer: false) }
        release(writer: true)
    }

    // MARK: Schema

    /// `PRAGMA user_version`: the number of the last migration applied.
    public func schemaVersion() async throws -> Int {
        try await read { try await $0.userVersion() }
    }

    /// The rows of `schema_migrations`, oldest first.
    public func appliedMigrations() async throws -> [AppliedMigration] {
        try await read { connection in
            try await connection.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").map {
                AppliedMigration(version: try $0.int("version"), name: try $0.text("name"), appliedAt: try $0.int64("applied_at"))
            }
        }
    }

    // MARK: Transactions

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`): committed when `body` returns,
    /// rolled back when it throws (the error is rethrown; SQLite errors become ``StorageError``).
    ///
    /// `durable: true` commits with `synchronous=FULL`, so the commit has reached the disk (not
    /// only the OS) before this returns — used for run records, which the server reports as saved.
    /// The default `NORMAL` survives a process crash but may lose the last commits on power loss.
    public func write<T: Sendable>(
        durable: Bool = false,
        _ body: @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        await acquire(writer: true)
        defer { release(writer: true) }
        try checkOpen()
        let connection = writer
        do {
            if durable { try await connection.execute("PRAGMA synchronous = FULL") }
            let outcome: Result<T, any Error>
            do {
                try await connection.execute("BEGIN IMMEDIATE")
                do {
                    let value = try await body(connection)
                    if let fault = faultInjector?.faultForWrite() { throw fault.error }
                    try await connection.execute("COMMIT")
                    outcome = .success(value)
                } catch {
                    try? await connection.execute("ROLLBACK")
                    throw error
                }
            } catch {
                outcome = .failure(error)
            }
            if durable { try? await connection.execute("PRAGMA synchronous = NORMAL") }
            return try outcome.get()
        } catch {
            throw StorageError.wrapping(error, context: nil)
        }
    }

    /// Runs `body` in a read transaction on the read connection: every query inside sees the same
    /// snapshot of the database.
    public func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        await acquire(writer: false)
        defer { release(writer: false) }
        try checkOpen()
        let connection = reader
        do {
            try await connection.execute("BEGIN")
            do {
                let value = try await body(connection)
                try await connection.execute("COMMIT")
                return value
            } catch {
                try? await connection.execute("ROLLBACK")
                throw error
            }
        } catch {
            throw StorageError.wrapping(error, context: nil)
        }
    }

    /// The first column of every row of `sql`, as integers — a diagnostics and test helper
    /// (`onWriter` for per-connection pragmas such as `synchronous`).
    func integers(_ sql: String, onWriter: Bool = false) async throws -> [Int] {
        let body: @Sendable (SQLiteConnection) async throws -> [Int] = { connection in
            try await connection.query(sql).map { $0.columns.first?.data.integer ?? -1 }
        }
        return onWriter ? try await write(body) : try await read(body)
    }

    /// The first column of every row of `sql`, as text (diagnostics and tests).
    func strings(_ sql: String) async throws -> [String] {
        try await read { connection in try await connection.query(sql).map { $0.columns.first?.data.string ?? "" } }
    }

    private func checkOpen() throws {
        if isClosed { throw StorageError("database is closed", kind: .closed) }
    }

    // MARK: Serialising access to each connection

    private struct Gate {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Without a separate reader (in-memory databases) reads share the writer's gate.
    private func usesWriterGate(_ writer: Bool) -> Bool { writer || !hasSeparateReader }

    private func acquire(writer: Bool) async {
        if usesWriterGate(writer) {
            if !writerGate.busy { writerGate.busy = true; return }
            await withCheckedContinuation { writerGate.waiters.append($0) }
        } else {
            if !readerGate.busy { readerGate.busy = true; return }
            await withCheckedContinuation { readerGate.waiters.append($0) }
        }
    }

    /// Hands the gate to the next waiter (which then owns it) or marks it free.
    private func release(writer: Bool) {
        if usesWriterGate(writer) {
            if writerGate.waiters.isEmpty { writerGate.busy = false } else { writerGate.waiters.removeFirst().resume() }
        } else {
            if readerGate.waiters.isEmpty { readerGate.busy = false } else { readerGate.waiters.removeFirst().resume() }
        }
    }
}

/// One row of `schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    public let version: Int
    public let name: String
    /// Milliseconds since the epoch, UTC.
    public let appliedAt: Int64
}

extension Database {
    /// Candle cache on this database.
    public nonisolated var candles: CandleStore { CandleStore(database: self) }
    /// Run records on this database.
    public nonisolated var runs: RunStore { RunStore(database: self) }
}
