#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the auth token from a file (`serve --auth-token-file PATH`), the way secrets are handed
/// to services (systemd credentials, Docker and Kubernetes secrets): the token never appears in
/// `ps` output or the shell history.
public enum AuthTokenFile {
    /// Larger files are not a token file.
    static let maximumBytes = 64 * 1024

    /// The file's text without its trailing line break(s) (`\n`, `\r\n`).
    ///
    /// - Throws: `ConfigurationError` when the file cannot be read, is not a regular file, is
    ///   readable or writable by every user (mode `o+r` or `o+w`: `chmod 600` it), or is too large.
    ///   The token itself is checked by `Authenticator.init`.
    public static func read(path: String) throws(ConfigurationError) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ConfigurationError("cannot read the auth token file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // The mode of what the path leads to: secrets mounted by Kubernetes are symbolic links.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes = (try? FileManager.default.attributesOfItem(atPath: target)) ?? [:]
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ConfigurationError("the auth token file \(path) is not a regular file")
        }
        let permissions = (attributes[.posixPermissions] as? Int) ?? 0o777
        if permissions & 0o006 != 0 {
            let mode = String(permissions & 0o777, radix: 8)
            throw ConfigurationError(
                "the auth token file \(path) can be read or written by every user (mode \(mode)); run: chmod 600 \(path)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ConfigurationError("cannot read the auth token file \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > maximumBytes {
                throw ConfigurationError("the auth token file \(path) is larger than \(maximumBytes) bytes; it should hold only the token")
            }
        }
        while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `read(2)`, named apart from `AuthTokenFile.read(path:)`, which would shadow it.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}
