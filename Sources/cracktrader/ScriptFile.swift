#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import MarketData
import TradingCore

/// Reading a script and writing a report file, with plain POSIX calls (no Foundation).
enum ScriptFile {
    /// Scripts larger than this are refused: a Pine script is a few hundred lines.
    static let maximumBytes = 1 << 20

    static func read(_ path: String) throws -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path: path)
        } catch {
            throw ValidationError("cannot read \(path): \(error.message)")
        }
        guard bytes.count <= maximumBytes else {
            throw ValidationError("\(path) is \(bytes.count) bytes; scripts may be at most \(maximumBytes) bytes")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ValidationError("\(path) is not UTF-8 text")
        }
        return text
    }

    static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count, fflush(file) == 0 else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
