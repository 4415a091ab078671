#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SQLiteNIO
import Synchronization

/// **Test only.** Makes a database's writes fail as SQLite fails them on a full disk, a read-only
/// file or an I/O error, so the server's handling of storage faults can be tested without
/// filling a disk.
///
/// While a fault is active, every ``Database/write(durable:_:)`` runs its statements and then,
/// instead of `COMMIT`, rolls back and throws the ``StorageError`` SQLite's own error would have
/// become (same kind, reason and message). Reads, migrations and `close()` are unaffected; a write
/// after the fault is cleared commits normally. Two ways to arm it, neither reachable by a client:
///
/// - In-process tests: ``install(forDatabaseAt:)`` before the database is opened (the server
///   opens `<data-dir>/cracktrader.sqlite`), then ``inject(_:)``; ``remove(forDatabaseAt:)`` after.
/// - The end-to-end fault script runs the real binary with the hidden environment variable
///   `CRACKTRADER_FAULT_INJECT=/path/to/flag`: while the file `/path/to/flag` exists, writes fail
///   with the fault its first word names (`full`, `readonly` or `ioerr`; anything else is `full`).
///   The file is looked at once per write, only when the variable is set.
@_spi(FaultInjection)
public final class StorageFaultInjector: Sendable {
    /// The environment variable the e2e fault tests set (test only; undocumented in `--help`).
    public static let environmentVariable = "CRACKTRADER_FAULT_INJECT"

    public enum Fault: String, Sendable, Hashable {
        /// `SQLITE_FULL`: "database or disk is full".
        case diskFull = "full"
        /// `SQLITE_READONLY`: "attempt to write a readonly database".
        case readOnly = "readonly"
        /// `SQLITE_IOERR`: "disk I/O error".
        case ioError = "ioerr"

        /// The error the write reports, as ``StorageError/wrapping(_:context:)`` makes it from SQLite's.
        var error: StorageError {
            switch self {
            case .diskFull: StorageError(sqlite: .full, message: "database or disk is full")
            case .readOnly: StorageError(sqlite: .readOnly, message: "attempt to write a readonly database")
            case .ioError: StorageError(sqlite: .ioError, message: "disk I/O error")
            }
        }
    }

    private let state = Mutex<Fault?>(nil)
    private let injectedCount = Atomic<Int>(0)
    /// Environment mode: the fault is on while this file exists.
    private let flagPath: String?

    private init(flagPath: String?) {
        self.flagPath = flagPath
    }

    /// Arms (`fault`) or clears (nil) the in-process fault.
    public func inject(_ fault: Fault?) {
        state.withLock { $0 = fault }
    }

    /// How many writes this injector has failed so far.
    public var failedWrites: Int { injectedCount.load(ordering: .relaxed) }

    /// The fault to apply to the write about to commit, if any (counted as applied).
    func faultForWrite() -> Fault? {
        let fault = flagPath.map(Self.flagFault) ?? state.withLock { $0 }
        if fault != nil { injectedCount.add(1, ordering: .relaxed) }
        return fault
    }

    private static func flagFault(_ path: String) -> Fault? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        let word = String(decoding: buffer.prefix(count), as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).first
        return word.flatMap { Fault(rawValue: String($0)) } ?? .diskFull
    }

    // MARK: Registry

    private static let registry = Mutex<[String: StorageFaultInjector]>([:])

    /// Registers an injector for the database file at `path` (exactly as the opener will spell
    /// it, e.g. `<data-dir>/cracktrader.sqlite`); databases opened there afterwards use it.
    public static func install(forDatabaseAt path: String) -> StorageFaultInjector {
        let injector = StorageFaultInjector(flagPath: nil)
        registry.withLock { $0[path] = injector }
        return injector
    }

    /// Forgets the injector of `path` (databases already open keep theirs).
    public static func remove(forDatabaseAt path: String) {
        _ = registry.withLock { $0.removeValue(forKey: path) }
    }

    /// The injector for a database being opened at `path`: a registered one, else one driven by
    /// ``environmentVariable`` when it is set, else nil (the normal case: no cost at all).
    static func lookup(path: String) -> StorageFaultInjector? {
        if let injector = registry.withLock({ $0[path] }) { return injector }
        guard let value = getenv(environmentVariable), value.pointee != 0 else { return nil }
        return StorageFaultInjector(flagPath: String(cString: value))
    }
}
