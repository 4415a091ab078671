import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recognises start-up failures worth a one-line explanation instead of an error dump.
public enum StartupError {
    /// True when the listening socket could not bind because another process holds the port.
    public static func isAddressInUse(_ error: any Error) -> Bool {
        if let ioError = error as? IOError, ioError.errnoCode == EADDRINUSE { return true }
        return String(describing: error).contains("Address already in use")
    }
}
