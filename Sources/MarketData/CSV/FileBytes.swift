#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TradingCore

/// Reads a whole file into memory with plain POSIX calls (no Foundation).
public enum FileBytes {
    /// The file's bytes. Throws `.dataUnavailable` when it cannot be opened or read.
    public static func read(path: String) throws(TradingError) -> [UInt8] {
        let fd = posixOpen(path)
        guard fd >= 0 else { throw failure(path: path, errno: errno) }
        defer { _ = posixClose(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(path: path, errno: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw failure(path: path, errno: EISDIR) }

        var result: [UInt8] = []
        var chunk = max(Int(info.st_size) + 1, 65_536)
        while true {
            var readError: Int32 = 0
            var reachedEnd = false
            let chunkBytes = [UInt8](unsafeUninitializedCapacity: chunk) { buffer, initialized in
                var filled = 0
                while filled < buffer.count {
                    let n = posixRead(fd, buffer.baseAddress! + filled, buffer.count - filled)
                    if n < 0 {
                        if errno == EINTR { continue }
                        readError = errno
                        break
                    }
                    if n == 0 {
                        reachedEnd = true
                        break
                    }
                    filled += n
                }
                initialized = filled
            }
            if readError != 0 { throw failure(path: path, errno: readError) }
            if result.isEmpty { result = chunkBytes } else { result.append(contentsOf: chunkBytes) }
            if reachedEnd { return result }
            chunk = max(chunk, result.count)
        }
    }

    /// A regular file's bytes mapped read-only into memory: no copy, and pages are read as the
    /// parser reaches them. `unmap()` must be called when done.
    public struct Mapping {
        public let bytes: UnsafeBufferPointer<UInt8>

        public func unmap() {
            _ = munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        }
    }

    /// Maps the file at `path`; `nil` when it is not a non-empty regular file or cannot be mapped
    /// (then `read(path:)` is the way). Throws `.dataUnavailable` when it cannot be opened.
    public static func map(path: String) throws(TradingError) -> Mapping? {
        let fd = posixOpen(path)
        guard fd >= 0 else { throw failure(path: path, errno: errno) }
        defer { _ = posixClose(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else { return nil }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        return Mapping(bytes: UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size))
    }

    private static func failure(path: String, errno code: Int32) -> TradingError {
        let reason = String(cString: strerror(code))
        return TradingError(
            code: .dataUnavailable,
            message: "cannot read '\(path)': \(reason)",
            details: ["path": .text(path), "reason": .text(reason)])
    }
}

private func posixOpen(_ path: String) -> Int32 { open(path, O_RDONLY) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixRead(_ fd: Int32, _ pointer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { read(fd, pointer, count) }
