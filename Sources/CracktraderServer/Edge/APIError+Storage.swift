import HTTPTypes
import Storage

extension APIError {
    /// Seconds a client is asked to wait before retrying a write the database could not take.
    static let storageRetryAfterSeconds = 10

    /// 503 `STORAGE_UNAVAILABLE`: the database cannot take writes right now (full disk, read-only
    /// file or mount, I/O error, lock held past the busy timeout). Nothing of the request was
    /// stored; reads keep working and a retry succeeds once the cause is gone — no restart.
    static func storageUnavailable(_ error: StorageError) -> APIError {
        let reason = error.unavailability ?? .ioError
        let cause = switch reason {
        case .diskFull: "the disk holding the data directory is full"
        case .readOnly: "the database file or its folder is read-only"
        case .ioError: "the operating system reported an I/O error"
        case .cannotOpen: "the database file could not be opened"
        case .busy: "another process holds the database's write lock"
        }
        var headers = HTTPFields()
        headers[.retryAfter] = String(storageRetryAfterSeconds)
        return APIError(
            status: .serviceUnavailable, code: "STORAGE_UNAVAILABLE",
            message: "the database cannot record changes right now: \(cause); nothing was changed, reads still work, retry once it is fixed",
            details: ["reason": .string(reason.rawValue), "retry_after_seconds": .number(Double(storageRetryAfterSeconds))],
            headers: headers)
    }
}

extension APIError {
    /// A write a route needed failed: `STORAGE_UNAVAILABLE` when the database cannot take writes
    /// right now, else 503 `STORAGE_ERROR` with `message` (an unexpected database error).
    static func storageFailure(_ error: any Error, message: String, details: [String: JSONValue] = [:]) -> APIError {
        if let storage = error as? StorageError, storage.isUnavailable {
            var unavailable = storageUnavailable(storage)
            unavailable = APIError(
                status: unavailable.status, code: unavailable.code, message: unavailable.message,
                details: unavailable.details.merging(details) { current, _ in current }, headers: unavailable.headers)
            return unavailable
        }
        return APIError(status: .serviceUnavailable, code: "STORAGE_ERROR", message: message, details: details)
    }
}
