import Crypto

/// Signs Bybit v5 requests (HMAC keys).
///
/// REST: `X-BAPI-SIGN = hex(HMAC-SHA256(secret, timestamp + apiKey + recvWindow + payload))`, where
/// `payload` is the query string exactly as sent for GET and the raw JSON body for POST; lower-case
/// hex. The private WebSocket `auth` op signs `"GET/realtime" + expires` (milliseconds).
public struct BybitSigner: Sendable {
    let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Array(secret.utf8))
    }

    /// The REST string to sign: `timestamp + apiKey + recvWindow + queryString|jsonBody`.
    public static func restPayload(timestamp: Int64, apiKey: String, recvWindow: Int64, queryOrBody: String) -> String {
        String(timestamp) + apiKey + String(recvWindow) + queryOrBody
    }

    /// The WebSocket `auth` string to sign: `GET/realtime` + the expiry in milliseconds.
    public static func webSocketPayload(expires: Int64) -> String {
        "GET/realtime" + String(expires)
    }

    /// Lower-case hex HMAC-SHA256 of `payload`.
    public func signature(payload: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: key))
    }
}
