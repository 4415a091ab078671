#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// Signs Binance spot requests (REST `api/v3` and the WebSocket API `ws-api/v3`).
///
/// - REST: the payload is the query string concatenated, without a separator, with the
///   form-encoded body, exactly as sent (non-ASCII percent-encoded first).
/// - WebSocket API: every parameter except `signature`, sorted by name, `k=v` joined by `&`,
///   values raw UTF-8 (not percent-encoded); `apiKey` is one of the signed parameters.
///
/// HMAC keys give lower-case hex (Binance compares HMAC signatures case-insensitively); Ed25519
/// keys give base64, which must be percent-encoded when put in a URL.
public struct BinanceSigner: Sendable {
    enum Key: Sendable {
        case hmac(SymmetricKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    let key: Key

    /// An HMAC-SHA256 key (the API secret as shown by Binance).
    public init(hmacSecret: String) {
        key = .hmac(SymmetricKey(data: Array(hmacSecret.utf8)))
    }

    /// An Ed25519 key from its 32-byte seed.
    public init(ed25519Seed: some ContiguousBytes) throws {
        key = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: ed25519Seed))
    }

    /// The signer for `secret` as a user pastes it: an Ed25519 private key in PKCS#8 PEM
    /// (`-----BEGIN PRIVATE KEY-----`, what Binance's key generator writes) signs with Ed25519;
    /// anything else is an HMAC secret. Nil for a PEM that is not an Ed25519 key (Binance's RSA
    /// keys are not supported): signing with it as an HMAC secret would only earn `-1022`.
    public static func make(secret: String) -> BinanceSigner? {
        guard secret.contains("-----BEGIN") else { return BinanceSigner(hmacSecret: secret) }
        guard let seed = Ed25519PEM.seed(pkcs8PEM: secret) else { return nil }
        return try? BinanceSigner(ed25519Seed: seed)
    }

    /// The `signature` parameter for `payload`.
    public func signature(payload: String) -> String {
        switch key {
        case .hmac(let secret):
            return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: secret))
        case .ed25519(let privateKey):
            // Ed25519 signatures are deterministic (RFC 8032); `try!` only fails on a broken key.
            let signature = try! privateKey.signature(for: Array(payload.utf8))
            return Data(signature).base64EncodedString()
        }
    }

    /// REST payload: `query` then `body`, no separator.
    public static func restPayload(query: String, body: String = "") -> String {
        query + body
    }

    /// WebSocket API payload: parameters except `signature`, sorted by name, joined `k=v&k=v`.
    public static func webSocketPayload(_ parameters: [String: String]) -> String {
        parameters.filter { $0.key != "signature" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }
}
