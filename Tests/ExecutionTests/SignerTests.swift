import Crypto
import Foundation
import Testing
@testable import Execution

/// The venues' own signature examples, read from the shared fixture
/// `../shared/venues/protocol-facts.md` (relative to the package root) — never copied here.
enum VenueFacts {
    static let path: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // …/Tests/ExecutionTests/SignerTests.swift → the package's parent
        return url.appendingPathComponent("shared/venues/protocol-facts.md").path
    }()

    /// The fixture's text, or nil (the caller prints a notice and skips).
    static let text: String? = try? String(contentsOfFile: path, encoding: .utf8)

    static func skipNotice(_ test: String) {
        print("\(test) skipped: \(path) is not there (the venue fixture lives outside the repository)")
    }

    /// The back-quoted pieces of a line, in order.
    static func quoted(_ line: Substring) -> [String] {
        line.split(separator: "`", omittingEmptySubsequences: false).enumerated().compactMap { $0.offset % 2 == 1 ? String($0.element) : nil }
    }

    static func line(startingWith prefix: String, in text: String) -> Substring? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }
    }
}

@Suite("Venue request signers against the venues' official vectors")
struct SignerTests {
    @Test("Binance HMAC-SHA256: the four documented REST and WebSocket API vectors")
    func binanceHMAC() throws {
        guard let text = VenueFacts.text else { return VenueFacts.skipNotice("binanceHMAC") }
        let header = try #require(VenueFacts.line(startingWith: "Vectors (apiKey", in: text))
        let keys = VenueFacts.quoted(header)
        #expect(keys.count == 2)
        let signer = BinanceSigner(hmacSecret: try #require(keys.last))
        var checked = 0
        for row in ["| REST ascii", "| REST non-ascii", "| WS-API ascii", "| WS-API non-ascii"] {
            let line = try #require(VenueFacts.line(startingWith: row, in: text), "no row \(row)")
            let pieces = VenueFacts.quoted(line)
            let payload = pieces[pieces.count - 2]
            let expected = pieces[pieces.count - 1]
            #expect(signer.signature(payload: payload) == expected, "\(row)")
            if row.hasPrefix("| WS-API") {
                // The WebSocket API payload is the parameters sorted by name: rebuild it from them.
                var parameters: [String: String] = [:]
                for pair in payload.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    parameters[String(parts[0])] = String(parts[1])
                }
                parameters["signature"] = "ignored"
                #expect(BinanceSigner.webSocketPayload(parameters) == payload)
            } else {
                #expect(BinanceSigner.restPayload(query: payload) == payload)
            }
            checked += 1
        }
        #expect(checked == 4)
        // HMAC signatures are lower-case hex, 64 digits.
        #expect(signer.signature(payload: "").count == 64)
    }

    @Test("Binance REST payload: the query string and the body are concatenated without a separator")
    func binanceRestPayload() {
        #expect(BinanceSigner.restPayload(query: "symbol=LTCBTC&side=BUY", body: "quantity=1") == "symbol=LTCBTC&side=BUYquantity=1")
    }

    @Test("Ed25519 (Binance Ed25519 keys): RFC 8032 test 1, base64, and it verifies")
    func ed25519() throws {
        // Binance publishes no reproducible Ed25519 example (its key file is not public), so the
        // signer is checked against RFC 8032 §7.1 TEST 1 and by verification.
        let seed = try #require(Self.bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let signer = try BinanceSigner(ed25519Seed: seed)
        let expected = try #require(Self.bytes(hex:
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"))
        #expect(signer.signature(payload: "") == Data(expected).base64EncodedString())
        let payload = "apiKey=k&symbol=BTCUSDT&timestamp=1"
        let signature = try #require(Data(base64Encoded: signer.signature(payload: payload)))
        let publicKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey
        #expect(publicKey.isValidSignature(signature, for: Data(payload.utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Data((payload + "0").utf8)))
    }

    @Test("Kraken HMAC-SHA512: the documented AddOrder vector")
    func kraken() throws {
        guard let text = VenueFacts.text else { return VenueFacts.skipNotice("kraken") }
        let line = try #require(text.split(separator: "\n").first { $0.contains("Official vector") && $0.contains("AddOrder") })
        let pieces = VenueFacts.quoted(line)
        #expect(pieces.count == 5)
        let (secret, nonce, postData, path, expected) = (pieces[0], pieces[1], pieces[2], pieces[3], pieces[4])
        let signer = try #require(KrakenSigner(secret: secret))
        #expect(signer.signature(path: path, nonce: nonce, postData: postData) == expected)
        #expect(KrakenSigner(secret: "not base64!") == nil)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

@Suite("OKX signer against the fixture's computed vectors")
struct OKXSignerTests {
    @Test("OKX HMAC-SHA256 base64: REST GET and POST and the WebSocket login (the fixture's python-computed vectors; OKX publishes none that reproduce)")
    func okx() throws {
        guard let text = VenueFacts.text else { return VenueFacts.skipNotice("okx") }
        let line = try #require(text.split(separator: "\n").first { $0.contains("No official test vector exists") })
        let pieces = VenueFacts.quoted(line)
        #expect(pieces.count == 8)
        let signer = OKXSigner(secret: pieces[0])
        // pieces[1] is the docs' example sign, which belongs to another secret (see the fixture).
        #expect(OKXSigner.prehash(timestamp: "1538054050", method: "GET", requestPath: "/users/self/verify") == pieces[2])
        #expect(signer.signature(prehash: pieces[2]) == pieces[3])
        #expect(OKXSigner.prehash(timestamp: "2020-12-08T09:08:57.715Z", method: "get", requestPath: "/api/v5/account/balance?ccy=BTC") == pieces[4])
        #expect(signer.signature(prehash: pieces[4]) == pieces[5])
        let body = #"{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}"#
        #expect(OKXSigner.prehash(timestamp: "2020-12-08T09:08:57.715Z", method: "POST", requestPath: "/api/v5/account/set-leverage", body: body) == pieces[6])
        #expect(signer.signature(prehash: pieces[6]) == pieces[7])
    }
}
