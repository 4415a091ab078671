#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// Signs Kraken spot private REST calls:
/// `API-Sign = base64(HMAC-SHA512(key: base64decode(secret), message: path + SHA256(nonce + postData)))`,
/// where `path` starts at `/0/private`, the SHA-256 is the raw 32 bytes and `postData` is the
/// exact encoded body (which itself contains `nonce=`).
public struct KrakenSigner: Sendable {
    let key: SymmetricKey

    /// Nil when `secret` is not base64 (Kraken secrets always are).
    public init?(secret: String) {
        guard let bytes = Data(base64Encoded: secret) else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// The `API-Sign` header value.
    public func signature(path: String, nonce: String, postData: String) -> String {
        let digest = SHA256.hash(data: Array((nonce + postData).utf8))
        let message = Array(path.utf8) + Array(digest)
        return Data(HMAC<SHA512>.authenticationCode(for: message, using: key)).base64EncodedString()
    }
}
