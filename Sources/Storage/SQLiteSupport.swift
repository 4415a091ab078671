#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import SQLiteNIO

extension SQLiteConnection {
    /// Runs one statement and ignores any result rows. (sqlite-nio prepares only the first
    /// statement of a string, so every statement is its own call.)
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        try await self.query(sql, binds) { _ in }
    }

    /// `PRAGMA user_version`.
    func userVersion() async throws -> Int {
        try await query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
    }
}

extension SQLiteRow {
    func value(_ name: String) throws -> SQLiteData {
        guard let data = column(name) else { throw StorageError("missing column \(name)", kind: .sqlite) }
        return data
    }

    func int64(_ name: String) throws -> Int64 {
        guard let value = try value(name).integer else { throw StorageError("column \(name) is not an integer", kind: .sqlite) }
        return Int64(value)
    }

    func int(_ name: String) throws -> Int {
        Int(try int64(name))
    }

    func optionalInt64(_ name: String) throws -> Int64? {
        let data = try value(name)
        if data.isNull { return nil }
        return try int64(name)
    }

    func text(_ name: String) throws -> String {
        guard case .text(let value) = try value(name) else { throw StorageError("column \(name) is not text", kind: .sqlite) }
        return value
    }

    func optionalText(_ name: String) throws -> String? {
        let data = try value(name)
        if data.isNull { return nil }
        return try text(name)
    }

    func optionalDouble(_ name: String) throws -> Double? {
        switch try value(name) {
        case .null: return nil
        case .float(let value): return value
        case .integer(let value): return Double(value)
        default: throw StorageError("column \(name) is not a number", kind: .sqlite)
        }
    }

    /// A BLOB column; an empty blob may come back as an empty buffer.
    func blob(_ name: String) throws -> ByteBuffer {
        switch try value(name) {
        case .blob(let buffer): return buffer
        case .null: return ByteBuffer()
        default: throw StorageError("column \(name) is not a blob", kind: .sqlite)
        }
    }
}

extension SQLiteData {
    static func int(_ value: Int64) -> SQLiteData { .integer(SQLiteInt64(value)) }
    static func optionalInt(_ value: Int64?) -> SQLiteData { value.map { .integer(SQLiteInt64($0)) } ?? .null }
    static func optionalText(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
    static func optionalFloat(_ value: Double?) -> SQLiteData { value.map { .float($0) } ?? .null }
}

extension StorageError {
    /// Passes `StorageError`s through, turns SQLite's errors into storage errors (`.unavailable`
    /// for a full disk, a read-only database, I/O errors, files that cannot be opened and an
    /// expired busy timeout; `.corrupt` for a damaged file; `.sqlite` otherwise) and leaves every
    /// other error (a caller's closure, cancellation) untouched.
    static func wrapping(_ error: any Error, context: String?) -> any Error {
        if let storage = error as? StorageError {
            guard let context else { return storage }
            return storage.prefixed(context)
        }
        if let sqlite = error as? SQLiteError {
            return StorageError(sqlite: sqlite.reason, message: sqlite.message, context: context)
        }
        return error
    }

    /// The storage error for SQLite's `reason` (extended result codes folded into their primary code).
    init(sqlite reason: SQLiteError.Reason, message: String, context: String? = nil) {
        let text = context.map { "\($0): SQLite: \(message)" } ?? "SQLite: \(message)"
        if let unavailability = Self.unavailability(of: reason) {
            self.init(text, unavailable: unavailability)
        } else if Self.isCorruption(reason) {
            self.init(text, kind: .corrupt)
        } else {
            self.init(text, kind: .sqlite)
        }
    }

    /// The same error with `context` in front of its message.
    func prefixed(_ context: String) -> StorageError {
        if let unavailability { return StorageError("\(context): \(description)", unavailable: unavailability) }
        return StorageError("\(context): \(description)", kind: kind)
    }

    static func unavailability(of reason: SQLiteError.Reason) -> Unavailability? {
        switch reason {
        case .full:
            return .diskFull
        case .readOnly, .readonlyInRecovery, .readonlyCantLock, .readonlyInRollback, .readonlyBackingMoved, .readonlyDirectory:
            return .readOnly
        case .ioError, .ioErrorFailedRead, .ioErrorIncompleteRead, .ioErrorFailedWrite, .ioErrorFailedSync, .ioErrorFailedDirSync,
            .ioErrorFailedTruncate, .ioErrorFailedStat, .ioErrorFailedUnlock, .ioErrorFailedReadLock, .ioErrorFailedDelete,
            .ioErrorNoMemory, .ioErrorFailedAccess, .ioErrorFailedLockCheck, .ioErrorFailedAdvisoryLock, .ioErrorFailedClose,
            .ioErrorFailedSharedMemOpen, .ioErrorFailedSharedMemSize, .ioErrorFailedSharedMemMap, .ioErrorFailedDeleteNonexistent,
            .ioErrorFailedMemoryMap, .ioErrorCantFindTempdir, .ioErrorCygwinPath, .ioErrorBadDataChecksum,
            .ioErrorCorruptedFilesystem:
            return .ioError
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .cantOpenCygwinPath, .cantOpenUnfollowedSymlink:
            return .cannotOpen
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout:
            return .busy
        default:
            return nil
        }
    }

    static func isCorruption(_ reason: SQLiteError.Reason) -> Bool {
        switch reason {
        case .corrupt, .corruptVirtualTable, .corruptSequenceSchema, .corruptIndex, .notADatabase: true
        default: false
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch (UTC), without Foundation.
func currentTimeMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
}
