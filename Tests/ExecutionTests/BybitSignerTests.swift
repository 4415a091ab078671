import Crypto
import Foundation
import Testing
@testable import Execution

/// Bybit publishes example signatures but not the secret behind them (see protocol-facts §1.2),
/// so the vectors here are built from the documented strings-to-sign with a known key and checked
/// against an HMAC computed independently in the test.
@Suite("Bybit v5 request signer")
struct BybitSignerTests {
    static let secret = "bybit-test-secret-0123456789"
    static let apiKey = "XXXXXXXXXX"

    /// Independent HMAC-SHA256 → lower-case hex, written without the signer's helpers.
    static func referenceHMAC(_ message: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    @Test("GET: timestamp + apiKey + recvWindow + query string, as in the docs' example")
    func getPayload() {
        let payload = BybitSigner.restPayload(
            timestamp: 1_658_384_314_791, apiKey: Self.apiKey, recvWindow: 5000,
            queryOrBody: "category=option&symbol=BTC-29JUL22-25000-C")
        // The docs' exact string-to-sign (protocol-facts §1.2).
        #expect(payload == "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C")
        let signature = BybitSigner(secret: Self.secret).signature(payload: payload)
        #expect(signature == Self.referenceHMAC(payload, secret: Self.secret))
        #expect(signature.count == 64)
        #expect(signature == signature.lowercased())
    }

    @Test("POST: timestamp + apiKey + recvWindow + the raw JSON body")
    func postPayload() {
        let payload = BybitSigner.restPayload(
            timestamp: 1_658_385_579_423, apiKey: Self.apiKey, recvWindow: 5000, queryOrBody: #"{"category": "option"}"#)
        #expect(payload == #"1658385579423XXXXXXXXXX5000{"category": "option"}"#)
        let signer = BybitSigner(secret: Self.secret)
        #expect(signer.signature(payload: payload) == Self.referenceHMAC(payload, secret: Self.secret))
        // A different secret gives a different signature (the key is really used).
        #expect(BybitSigner(secret: "other").signature(payload: payload) != signer.signature(payload: payload))
    }

    @Test("WebSocket auth: GET/realtime + expires")
    func webSocketPayload() {
        let payload = BybitSigner.webSocketPayload(expires: 1_662_350_400_000)
        #expect(payload == "GET/realtime1662350400000")
        #expect(BybitSigner(secret: Self.secret).signature(payload: payload) == Self.referenceHMAC(payload, secret: Self.secret))
    }

    @Test("RFC 4231 test case 2 (HMAC-SHA256 of a known key and message)")
    func rfc4231() {
        // Key "Jefe", data "what do ya want for nothing?" — an external, published vector.
        #expect(BybitSigner(secret: "Jefe").signature(payload: "what do ya want for nothing?")
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
