#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SQLiteNIO

/// `cracktrader db check` and `cracktrader db backup`: work on a database file as it is, without
/// migrating it, and safely while a server is using it.
///
/// Both open their own connection to an existing file (never create one) and only read it: a
/// check is one read transaction, a backup is `VACUUM INTO`, which copies one consistent snapshot
/// inside a read transaction. In WAL mode readers never block the server's writer nor wait for
/// it, so both run while the server serves. (sqlite-nio does not expose the raw `sqlite3` handle
/// the online-backup API needs; `VACUUM INTO` gives the same guarantee — a consistent copy taken
/// while others write — and also compacts the copy.)
public enum DatabaseMaintenance {
    /// What a check found.
    public struct CheckReport: Sendable, Hashable {
        public let path: String
        /// `quick_check` or `integrity_check`.
        public let pragma: String
        /// `["ok"]` for a healthy database, else SQLite's descriptions of the problems (at most 100).
        public let results: [String]
        /// `PRAGMA user_version`, when it could be read.
        public let schemaVersion: Int?

        public var isOK: Bool { results == ["ok"] }
    }

    /// A finished backup.
    public struct BackupReport: Sendable, Hashable {
        public let source: String
        public let destination: String
        /// Size of the copy.
        public let bytes: Int64
        public let schemaVersion: Int
    }

    /// Checks the database at `path`: `PRAGMA quick_check` (what start-up runs: every page and
    /// b-tree, in seconds), or with `full` `PRAGMA integrity_check` (also every index entry
    /// against its row; slower). A file SQLite cannot read as a database is reported, not thrown.
    public static func check(path: String, full: Bool = false) async throws -> CheckReport {
        let pragma = full ? "integrity_check" : "quick_check"
        let connection = try await openExisting(path: path)
        var version: Int?
        let results: [String]
        do {
            version = try await connection.userVersion()
            results = try await connection.query("PRAGMA \(pragma)(100)").map { $0.columns.first?.data.string ?? "" }
        } catch let error as SQLiteError where StorageError.isCorruption(error.reason) {
            results = [error.message]
        } catch {
            _ = try? await connection.close().get()
            throw StorageError.wrapping(error, context: "cannot check database \(path)")
        }
        _ = try? await connection.close().get()
        return CheckReport(path: path, pragma: pragma, results: results, schemaVersion: version)
    }

    /// Writes a consistent copy of the database at `path` to `destination` (which must not
    /// exist), syncs it to disk and checks the copy. Safe while a server writes to `path`.
    public static func backup(path: String, to destination: String) async throws -> BackupReport {
        var status = stat()
        if stat(destination, &status) == 0 {
            throw StorageError("\(destination) already exists; a backup never overwrites a file (choose a new name)")
        }
        let connection = try await openExisting(path: path)
        do {
            try await connection.execute("VACUUM INTO ?", [.text(destination)])
        } catch {
            _ = try? await connection.close().get()
            throw StorageError.wrapping(error, context: "cannot back up \(path) to \(destination)")
        }
        _ = try? await connection.close().get()
        try syncFile(destination)
        // The copy must itself be a healthy database of the same schema.
        let copy = try await check(path: destination)
        guard copy.isOK, let version = copy.schemaVersion else {
            throw StorageError("the backup \(destination) fails its check: \(copy.results.joined(separator: "; "))", kind: .corrupt)
        }
        guard stat(destination, &status) == 0 else {
            throw StorageError("the backup \(destination) disappeared: \(String(cString: strerror(errno)))")
        }
        return BackupReport(source: path, destination: destination, bytes: Int64(status.st_size), schemaVersion: version)
    }

    /// A connection to an existing database file (SQLite would silently create a missing one).
    static func openExisting(path: String) async throws -> SQLiteConnection {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw StorageError("no database at \(path): \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw StorageError("\(path) is not a file") }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path))
        } catch {
            throw StorageError.wrapping(error, context: "cannot open database \(path)")
        }
        do {
            try await connection.execute("PRAGMA busy_timeout = \(Database.busyTimeoutMilliseconds)")
        } catch {
            _ = try? await connection.close().get()
            throw StorageError.wrapping(error, context: "cannot open database \(path)")
        }
        return connection
    }

    /// fsync: the copy is on disk, not only in the OS's cache, when the backup reports success.
    private static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw StorageError("cannot open the backup \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StorageError("cannot sync the backup \(path): \(String(cString: strerror(errno)))") }
    }
}
