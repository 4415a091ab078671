import Crypto
import Foundation
import Testing
@testable import Execution

/// Coinbase CDP JWTs, checked by an independent verifier written here from the documentation
/// (decode the three parts, check header and claims, verify the signature with Crypto's public key).
/// ECDSA/Ed25519 JWTs are time-bound and randomised, so Coinbase publishes no static vector; the
/// P-256 key is the official SDK's test key (coinbase-advanced-py `tests/constants.py`
/// `TEST_API_SECRET`, named in protocol-facts §1.5).
@Suite("Coinbase CDP JWT signer")
struct CoinbaseSignerTests {
    static let keyName = "organizations/test-organization/apiKeys/test-api-key"
    static let sdkTestSecret = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIKwf3Uox30cRWzRBOPoPOH5p0Gpb0Dt8zUKXUEM5fMkGoAoGCCqGSM49
        AwEHoUQDQgAEbAtpLlSZYVOwYICz+uEyxcS29vRIujiES/gQ1DC7FV4zK4JuYE9v
        qDyGZQYjdXHLM7I6f/QnnOITL+dXYWBHRA==
        -----END EC PRIVATE KEY-----

        """
    static let uri = "GET api.coinbase.com/api/v3/brokerage/accounts"

    /// A decoded JWT.
    struct Decoded {
        let header: [String: Any]
        let claims: [String: Any]
        let signingInput: Data
        let signature: Data
    }

    static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if base64.contains("=") { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    static func decode(_ token: String) throws -> Decoded {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let headerData = try #require(base64URL(parts[0]))
        let claimsData = try #require(base64URL(parts[1]))
        let signature = try #require(base64URL(parts[2]))
        let header = try #require(try JSONSerialization.jsonObject(with: headerData) as? [String: Any])
        let claims = try #require(try JSONSerialization.jsonObject(with: claimsData) as? [String: Any])
        return Decoded(header: header, claims: claims, signingInput: Data("\(parts[0]).\(parts[1])".utf8), signature: signature)
    }

    /// The verification a venue does: header, claims (`uri` must equal `expectedURI`, or be absent
    /// when nil), time window, then the ES256 raw r‖s signature.
    static func verifyES256(_ token: String, publicKey: P256.Signing.PublicKey, expectedURI: String?, now: Int64) -> Bool {
        guard let jwt = try? decode(token) else { return false }
        guard jwt.header["alg"] as? String == "ES256", jwt.header["typ"] as? String == "JWT", jwt.header["kid"] as? String == keyName,
              (jwt.header["nonce"] as? String)?.count == 64 else { return false }
        guard jwt.claims["sub"] as? String == keyName, jwt.claims["iss"] as? String == "cdp",
              let nbf = (jwt.claims["nbf"] as? NSNumber)?.int64Value, let exp = (jwt.claims["exp"] as? NSNumber)?.int64Value,
              nbf <= now, now < exp, exp - nbf == 120 else { return false }
        guard jwt.claims["uri"] as? String == expectedURI else { return false }
        guard jwt.signature.count == 64, let signature = try? P256.Signing.ECDSASignature(rawRepresentation: jwt.signature) else { return false }
        return publicKey.isValidSignature(signature, for: jwt.signingInput)
    }

    @Test("ES256 with the SDK's test key: header, claims, raw r‖s signature; a wrong uri does not verify")
    func es256() throws {
        let signer = try #require(CoinbaseSigner(keyName: Self.keyName, secret: Self.sdkTestSecret))
        #expect(signer.algorithm == "ES256")
        let publicKey = try P256.Signing.PrivateKey(pemRepresentation: Self.sdkTestSecret).publicKey
        let now: Int64 = 1_767_000_000
        let token = signer.token(uri: Self.uri, now: now)
        let jwt = try Self.decode(token)
        #expect(jwt.header["alg"] as? String == "ES256")
        #expect(jwt.header["kid"] as? String == Self.keyName)
        #expect(jwt.header["typ"] as? String == "JWT")
        let nonce = try #require(jwt.header["nonce"] as? String)
        #expect(nonce.count == 64 && nonce.allSatisfy(\.isHexDigit))
        #expect(jwt.claims["sub"] as? String == Self.keyName)
        #expect(jwt.claims["iss"] as? String == "cdp")
        #expect((jwt.claims["nbf"] as? NSNumber)?.int64Value == now)
        #expect((jwt.claims["exp"] as? NSNumber)?.int64Value == now + 120)
        #expect(jwt.claims["uri"] as? String == Self.uri)
        #expect(Set(jwt.claims.keys) == ["sub", "iss", "nbf", "exp", "uri"])
        #expect(jwt.signature.count == 64)  // raw r‖s, not DER (which starts 0x30 and runs 70–72 bytes)

        #expect(Self.verifyES256(token, publicKey: publicKey, expectedURI: Self.uri, now: now))
        #expect(!Self.verifyES256(token, publicKey: publicKey, expectedURI: "POST api.coinbase.com/api/v3/brokerage/accounts", now: now))
        #expect(!Self.verifyES256(token, publicKey: publicKey, expectedURI: "GET api-sandbox.coinbase.com/api/v3/brokerage/accounts", now: now))
        #expect(!Self.verifyES256(token, publicKey: publicKey, expectedURI: Self.uri, now: now + 120))
        #expect(!Self.verifyES256(token, publicKey: publicKey, expectedURI: Self.uri, now: now - 1))
        #expect(!Self.verifyES256(token, publicKey: P256.Signing.PrivateKey().publicKey, expectedURI: Self.uri, now: now))

        // Claims rewritten to another uri keep the old signature: it must not verify.
        let parts = token.split(separator: ".")
        let forgedClaims = String(decoding: try JSONSerialization.data(withJSONObject: [
            "sub": Self.keyName, "iss": "cdp", "nbf": now, "exp": now + 120, "uri": "POST api.coinbase.com/api/v3/brokerage/orders",
        ] as [String: Any]), as: UTF8.self)
        let forged = "\(parts[0]).\(CoinbaseSigner.base64URL(Array(forgedClaims.utf8))).\(parts[2])"
        #expect(!Self.verifyES256(forged, publicKey: publicKey, expectedURI: "POST api.coinbase.com/api/v3/brokerage/orders", now: now))
    }

    @Test("a fresh nonce and signature per token; WebSocket JWTs carry no uri")
    func freshPerRequestAndWebSocket() throws {
        let signer = try #require(CoinbaseSigner(keyName: Self.keyName, secret: Self.sdkTestSecret))
        let first = try Self.decode(signer.token(uri: Self.uri, now: 1_767_000_000))
        let second = try Self.decode(signer.token(uri: Self.uri, now: 1_767_000_000))
        #expect(first.header["nonce"] as? String != second.header["nonce"] as? String)
        let socket = signer.token(uri: nil, now: 1_767_000_000)
        #expect(try Self.decode(socket).claims["uri"] == nil)
        let publicKey = try P256.Signing.PrivateKey(pemRepresentation: Self.sdkTestSecret).publicKey
        #expect(Self.verifyES256(socket, publicKey: publicKey, expectedURI: nil, now: 1_767_000_000))
    }

    @Test("the uri claim: method upper-cased, host as requested, path without the query")
    func uriClaim() {
        #expect(CoinbaseSigner.uri(method: "get", host: "api.coinbase.com", pathAndQuery: "/api/v3/brokerage/accounts?limit=250&cursor=x")
            == "GET api.coinbase.com/api/v3/brokerage/accounts")
        #expect(CoinbaseSigner.uri(method: "POST", host: "127.0.0.1:8080", pathAndQuery: "/api/v3/brokerage/orders")
            == "POST 127.0.0.1:8080/api/v3/brokerage/orders")
        #expect(CoinbaseHTTP.host(ofBaseURL: "https://api-sandbox.coinbase.com") == "api-sandbox.coinbase.com")
        #expect(CoinbaseHTTP.host(ofBaseURL: "http://127.0.0.1:5000/") == "127.0.0.1:5000")
    }

    @Test("key forms: SEC1 PEM with literal \\n escapes, PKCS#8 P-256 PEM; anything else is refused")
    func keyForms() throws {
        let escaped = Self.sdkTestSecret.replacingOccurrences(of: "\n", with: "\\n")
        #expect(CoinbaseSigner(keyName: Self.keyName, secret: escaped)?.algorithm == "ES256")
        let pkcs8 = P256.Signing.PrivateKey()
        let signer = try #require(CoinbaseSigner(keyName: Self.keyName, secret: pkcs8.pemRepresentation))
        #expect(Self.verifyES256(signer.token(uri: Self.uri, now: 100), publicKey: pkcs8.publicKey, expectedURI: Self.uri, now: 100))
        #expect(CoinbaseSigner(keyName: Self.keyName, secret: "not a key") == nil)
        #expect(CoinbaseSigner(keyName: Self.keyName, secret: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----") == nil)
    }

    @Test("EdDSA: base64 seed‖public, base64 seed and PKCS#8 PEM keys sign JWTs that verify with the Ed25519 public key")
    func edDSA() throws {
        let key = Curve25519.Signing.PrivateKey()
        let seed = key.rawRepresentation
        let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        let pem = "-----BEGIN PRIVATE KEY-----\n\(Data(prefix + Array(seed)).base64EncodedString())\n-----END PRIVATE KEY-----\n"
        for secret in [(seed + key.publicKey.rawRepresentation).base64EncodedString(), seed.base64EncodedString(), pem] {
            let signer = try #require(CoinbaseSigner(keyName: Self.keyName, secret: secret))
            #expect(signer.algorithm == "EdDSA")
            let jwt = try Self.decode(signer.token(uri: Self.uri, now: 1_767_000_000))
            #expect(jwt.header["alg"] as? String == "EdDSA")
            #expect(jwt.claims["uri"] as? String == Self.uri)
            #expect(key.publicKey.isValidSignature(jwt.signature, for: jwt.signingInput))
            #expect(!key.publicKey.isValidSignature(jwt.signature, for: jwt.signingInput + Data("x".utf8)))
        }
    }
}
