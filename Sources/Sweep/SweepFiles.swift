#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MarketData
import TradingCore

/// File I/O for plans and results with plain POSIX calls. Failures are transient (exit 75): a
/// full disk or a missing mount may be fine on the next try.
public enum SweepFiles {
    /// The whole file.
    public static func read(_ path: String) throws(SweepError) -> [UInt8] {
        do {
            return try FileBytes.read(path: path)
        } catch {
            throw SweepError.transient("SWEEP_IO", "cannot read \(path): \(error.message)")
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, then
    /// `rename(2)`, so a reader sees the old file or the whole new one, never a part; re-running
    /// a shard simply replaces its file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SweepError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write \(temporary)")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("cannot sync \(temporary)")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }

    /// Creates `path` (and its parents) as a directory if missing.
    public static func makeDirectory(_ path: String) throws(SweepError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw failure("cannot create directory \(prefix)") }
        }
    }

    /// The `*.json` files of a directory, sorted by name; a file path is returned as is.
    public static func jsonFiles(_ path: String) throws(SweepError) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure("cannot open \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        guard let directory = opendir(path) else { throw failure("cannot list \(path)") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasSuffix(".json"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted().map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
    }

    static func failure(_ message: String) -> SweepError {
        SweepError.transient("SWEEP_IO", "\(message): \(String(cString: strerror(errno)))")
    }
}
