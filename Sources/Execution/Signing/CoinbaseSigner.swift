#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// Builds Coinbase Advanced Trade (CDP key) JWTs: `Authorization: Bearer <JWT>`, a fresh one per
/// request.
///
/// - Header: `{"alg":"ES256"|"EdDSA","kid":<key name>,"nonce":<64 hex>,"typ":"JWT"}`.
/// - Claims: `sub` = key name, `iss` = `"cdp"`, `nbf` = now (s), `exp` = now + 120, and for REST
///   `uri` = `"<METHOD> <host><path>"`: no scheme, no query string, the host actually requested
///   (`api.coinbase.com`, `api-sandbox.coinbase.com`, `127.0.0.1:8080` in tests). WebSocket JWTs
///   carry no `uri`.
/// - ES256 signatures are the raw `r‖s` (64 bytes), base64url, not DER; EdDSA ones are the 64-byte
///   Ed25519 signature.
///
/// Keys: a P-256 PEM (`BEGIN EC PRIVATE KEY` as CDP hands it out, or PKCS#8 `BEGIN PRIVATE KEY`),
/// an Ed25519 PKCS#8 PEM, or an Ed25519 key in base64 (64 bytes seed‖public, or the 32-byte seed).
/// Literal `\n` escapes (as in CDP's JSON key file) are accepted.
public struct CoinbaseSigner: Sendable {
    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// The key name (`organizations/{org_id}/apiKeys/{key_id}`): the `kid` and the `sub`.
    public let keyName: String
    let key: Key

    /// A JWT lives this long.
    public static let lifetimeSeconds: Int64 = 120

    /// Nil when `secret` is neither a P-256 nor an Ed25519 key in one of the accepted forms.
    public init?(keyName: String, secret: String) {
        self.keyName = keyName
        let unescaped = secret.replacing("\\n", with: "\n")
        let text = String(unescaped.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        if text.hasPrefix("-----BEGIN") {
            if let p256 = try? P256.Signing.PrivateKey(pemRepresentation: text) {
                key = .p256(p256)
            } else if let seed = Self.ed25519Seed(pkcs8PEM: text),
                      let ed = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) {
                key = .ed25519(ed)
            } else {
                return nil
            }
        } else if let bytes = Data(base64Encoded: text), bytes.count == 64 || bytes.count == 32,
                  let ed = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes.prefix(32)) {
            key = .ed25519(ed)
        } else {
            return nil
        }
    }

    /// `ES256` or `EdDSA`, from the key type.
    public var algorithm: String {
        switch key {
        case .p256: "ES256"
        case .ed25519: "EdDSA"
        }
    }

    /// The `uri` claim: `"GET api.coinbase.com/api/v3/brokerage/accounts"`. `pathAndQuery` may
    /// carry a query string; it is dropped.
    public static func uri(method: String, host: String, pathAndQuery: String) -> String {
        let path = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return "\(method.uppercased()) \(host)\(path)"
    }

    /// A signed JWT. `uri` nil makes a WebSocket JWT. `now` is Unix seconds; `nonce` defaults to
    /// 32 random bytes in hex.
    public func token(uri: String?, now: Int64, nonce: String? = nil) -> String {
        let header = "{\"alg\":\(Self.json(algorithm)),\"kid\":\(Self.json(keyName)),\"nonce\":\(Self.json(nonce ?? Self.randomNonce())),\"typ\":\"JWT\"}"
        var claims = "{\"sub\":\(Self.json(keyName)),\"iss\":\"cdp\",\"nbf\":\(now),\"exp\":\(now + Self.lifetimeSeconds)"
        if let uri { claims += ",\"uri\":\(Self.json(uri))" }
        claims += "}"
        let signingInput = Self.base64URL(Array(header.utf8)) + "." + Self.base64URL(Array(claims.utf8))
        let signature: [UInt8]
        switch key {
        case .p256(let privateKey):
            // A P-256 signature only fails for an invalid key, which init already refused.
            signature = (try? Array(privateKey.signature(for: Array(signingInput.utf8)).rawRepresentation)) ?? []
        case .ed25519(let privateKey):
            signature = (try? Array(privateKey.signature(for: Array(signingInput.utf8)))) ?? []
        }
        return signingInput + "." + Self.base64URL(signature)
    }

    /// Base64url without padding (RFC 7515 §2).
    public static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacing("+", with: "-").replacing("/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// A JSON string literal.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The 32-byte seed of an Ed25519 PKCS#8 PEM.
    static func ed25519Seed(pkcs8PEM: String) -> [UInt8]? {
        Ed25519PEM.seed(pkcs8PEM: pkcs8PEM)
    }
}
