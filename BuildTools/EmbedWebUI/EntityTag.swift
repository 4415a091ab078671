import Crypto

enum EntityTag {
    /// A strong ETag: the quoted hex SHA-256 of the uncompressed bytes. The gzip and identity
    /// representations share it because the server negotiates encoding per request and sends `Vary`.
    static func strong(for bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        let hex = digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        return "\"sha256-\(hex)\""
    }
}
