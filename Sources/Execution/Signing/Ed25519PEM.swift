#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Ed25519 private keys as venues hand them out: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
enum Ed25519PEM {
    /// The 32-byte seed of an Ed25519 PKCS#8 PEM (RFC 8410: a fixed 16-byte prefix, then the
    /// seed); nil for anything else (an RSA or EC key, broken base64).
    static func seed(pkcs8PEM: String) -> [UInt8]? {
        let body = pkcs8PEM.split(whereSeparator: \.isNewline).map { $0.filter { !$0.isWhitespace } }
            .filter { !$0.hasPrefix("-----") && !$0.isEmpty }.joined()
        guard let der = Data(base64Encoded: body).map(Array.init) else { return nil }
        let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        guard der.count == 48, Array(der.prefix(16)) == prefix else { return nil }
        return Array(der.suffix(32))
    }
}
