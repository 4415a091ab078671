#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder that holds Cracktrader's state (the SQLite database, cached candles, run records).
///
/// Creating it and probing that it is writable live here, next to the database that will use it,
/// so the server's health check asks the same question the store depends on.
public struct DataDirectory: Sendable, Hashable {
    /// Absolute or relative path as given by the user.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Creates the folder (and missing parents) with mode 0700: run records may name accounts.
    public func create() throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw StorageError("cannot create data directory \(path): \(String(cString: strerror(errno)))")
            }
        }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw StorageError("data directory \(path) is not a directory")
        }
    }

    /// Writes, syncs and removes a probe file. A read-only mount, a full disk or wrong permissions
    /// all fail here with the system's reason.
    public func probeWritable() -> Result<Void, StorageError> {
        let probePath = path + "/.write-probe-\(getpid())"
        let descriptor = open(probePath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            return .failure(StorageError("cannot write in \(path): \(String(cString: strerror(errno)))"))
        }
        defer {
            close(descriptor)
            unlink(probePath)
        }
        let written = "ok".withCString { write(descriptor, $0, 2) }
        guard written == 2, fsync(descriptor) == 0 else {
            return .failure(StorageError("cannot write in \(path): \(String(cString: strerror(errno)))"))
        }
        return .success(())
    }
}

/// A storage failure with a message fit for logs and for the health check.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, coarsely, so callers can map it (e.g. `invalidData` → a 4xx).
    public enum Kind: String, Sendable, Hashable {
        /// File system or anything not covered below.
        case general
        /// SQLite reported an error (I/O, corruption, constraint, busy...).
        case sqlite
        /// The database was written by a newer build (its schema version is unknown to this one).
        case schemaTooNew
        /// Bars or records rejected by validation (inconsistent candle, misaligned open time...).
        case invalidData
        /// The record the operation needs does not exist.
        case notFound
        /// The database has been closed.
        case closed
        /// The database cannot take writes right now — a full disk, a read-only file or mount, an
        /// I/O error, a file that cannot be opened, another process holding the lock past the busy
        /// timeout (``StorageError/unavailability`` says which). Nothing of the failed write was
        /// stored; reads still work, and the next write succeeds once the cause is gone. The server
        /// answers 503 `STORAGE_UNAVAILABLE`.
        case unavailable
        /// The file is not a database or fails `PRAGMA quick_check`: it is left untouched.
        case corrupt
    }

    /// Why a database is ``Kind/unavailable``, from SQLite's primary result code.
    public enum Unavailability: String, Sendable, Hashable {
        /// `SQLITE_FULL` (13): the disk (or the quota) is full.
        case diskFull = "disk_full"
        /// `SQLITE_READONLY` (8): the file, its folder or its mount is read-only.
        case readOnly = "read_only"
        /// `SQLITE_IOERR` (10): the operating system refused a read, write or sync.
        case ioError = "io_error"
        /// `SQLITE_CANTOPEN` (14): the file (or its `-wal`/`-shm`) could not be opened.
        case cannotOpen = "cannot_open"
        /// `SQLITE_BUSY` (5): another process held the write lock for the whole busy timeout.
        case busy
    }

    public let description: String
    public let kind: Kind
    /// Set when `kind` is ``Kind/unavailable``.
    public let unavailability: Unavailability?

    public init(_ description: String, kind: Kind = .general) {
        self.description = description
        self.kind = kind
        self.unavailability = nil
    }

    /// An ``Kind/unavailable`` error.
    public init(_ description: String, unavailable reason: Unavailability) {
        self.description = description
        self.kind = .unavailable
        self.unavailability = reason
    }

    /// True when a write failed because the database cannot take writes right now (retry later).
    public var isUnavailable: Bool { kind == .unavailable }
}
