#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// Signs OKX v5 requests: `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD +
/// requestPath + body))`, with the ISO 8601 millisecond timestamp of `OK-ACCESS-TIMESTAMP`, the
/// query string inside `requestPath` for GET and the raw JSON body for POST. The WebSocket login
/// signs `unixSeconds + "GET" + "/users/self/verify"`. The passphrase is sent as is, never signed.
public struct OKXSigner: Sendable {
    let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Array(secret.utf8))
    }

    /// The string to sign.
    public static func prehash(timestamp: String, method: String, requestPath: String, body: String = "") -> String {
        timestamp + method.uppercased() + requestPath + body
    }

    /// `OK-ACCESS-SIGN` (or the WebSocket login `sign`) for a prehash string.
    public func signature(prehash: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Array(prehash.utf8), using: key)).base64EncodedString()
    }
}
