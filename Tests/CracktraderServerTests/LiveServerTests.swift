import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tests over a real socket: what a browser or curl sees, byte for byte.
@Suite("Live server")
struct LiveServerTests {
    @Test("a real HTTP/1.1 exchange: Host rules, headers, gzip and the envelope")
    func realSocket() async throws {
        try await withTestApplication(.live) { client in
            guard let port = client.port else {
                Issue.record("the live test client has no port")
                return
            }
            let ok = try await RawHTTP.exchange(port: port, request: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
            #expect(ok.statusLine == "HTTP/1.1 200 OK")
            #expect(ok.headers["x-cracktrader-api-version"] == "v1")
            let wrongPort = try await RawHTTP.exchange(port: port, request: "GET /api/v1/health HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n")
            #expect(wrongPort.statusLine == "HTTP/1.1 403 Forbidden")
            #expect(wrongPort.body.contains(#""code":"HOST_NOT_ALLOWED""#))
            let rebinding = try await RawHTTP.exchange(port: port, request: "GET /ui HTTP/1.1\r\nHost: attacker.example:\(port)\r\nConnection: close\r\n\r\n")
            #expect(rebinding.statusLine == "HTTP/1.1 403 Forbidden")
            #expect(rebinding.headers["x-cracktrader-api-version"] == "v1")
            let gzip = try await RawHTTP.exchange(port: port, request: "GET /ui/style.css HTTP/1.1\r\nHost: localhost:\(port)\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
            #expect(gzip.headers["content-encoding"] == "gzip")
            #expect(gzip.headers["vary"] == "Accept-Encoding")
        }
    }

    @Test("WebSocket: upgrade carries the version header; the first message is a status snapshot")
    func webSocket() async throws {
        try await withTestApplication(.live) { client in
            guard let port = client.port else {
                Issue.record("the live test client has no port")
                return
            }
            let upgrade = try await RawHTTP.exchange(
                port: port,
                request: "GET /api/v1/ws/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:\(port)\r\n\r\n",
                untilHeadersOnly: true)
            #expect(upgrade.statusLine == "HTTP/1.1 101 Switching Protocols")
            #expect(upgrade.headers["x-cracktrader-api-version"] == "v1")
            #expect(upgrade.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

            let foreign = try await RawHTTP.exchange(
                port: port,
                request: "GET /api/v1/ws/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n")
            #expect(foreign.statusLine == "HTTP/1.1 403 Forbidden")
            #expect(foreign.headers["x-cracktrader-api-version"] == "v1")
            #expect(foreign.body.contains(#""code":"ORIGIN_NOT_ALLOWED""#))

            // The first frame after the 101 is the status snapshot (a server frame: unmasked text).
            let frame = upgrade.frames.first ?? ""
            let message = try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any]
            #expect(message?["type"] as? String == "status")
            #expect((message?["payload"] as? [String: Any])?["status"] as? String == "idle")
            #expect((message?["timestamp"] as? String)?.hasSuffix("Z") == true)
        }
    }
}

/// A minimal blocking HTTP/1.1 client over a POSIX socket, so tests see the exact bytes on the wire.
enum RawHTTP {
    struct Reply {
        var statusLine: String
        var headers: [String: String]
        var body: String
        /// Text frames received after a 101 (only with `untilHeadersOnly`).
        var frames: [String] = []
    }

    static func exchange(port: Int, request: String, untilHeadersOnly: Bool = false) async throws -> Reply {
        // Blocking socket calls run on a Dispatch thread: on the cooperative pool (two threads on
        // this machine) they would starve the server under test.
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingExchange(port: port, request: request, untilHeadersOnly: untilHeadersOnly) })
            }
        }
    }

    private static func blockingExchange(port: Int, request: String, untilHeadersOnly: Bool) throws -> Reply {
        do {
            // The live test server binds "localhost", which may be ::1 or 127.0.0.1: try what it resolves to.
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var results: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo("localhost", String(port), &hints, &results) == 0 else { throw TestFailure("cannot resolve localhost") }
            defer { freeaddrinfo(results) }
            var descriptor: Int32 = -1
            var candidate = results
            while let info = candidate {
                let attempt = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
                if attempt >= 0 && connect(attempt, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    descriptor = attempt
                    break
                }
                if attempt >= 0 { close(attempt) }
                candidate = info.pointee.ai_next
            }
            guard descriptor >= 0 else { throw TestFailure("connect failed") }
            defer { close(descriptor) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let bytes = Array(request.utf8)
            guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TestFailure("send failed") }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count <= 0 { break }
                received += buffer[0..<count]
                if untilHeadersOnly, let headEnd = received.firstRange(of: [13, 10, 13, 10] as [UInt8]),
                    firstFrame(in: Array(received[headEnd.upperBound...])) != nil
                {
                    break
                }
            }
            var frames: [String] = []
            if let headEnd = received.firstRange(of: [13, 10, 13, 10] as [UInt8]) {
                if untilHeadersOnly, let frame = firstFrame(in: Array(received[headEnd.upperBound...])) { frames.append(frame) }
                received = Array(received[..<headEnd.upperBound]) + (untilHeadersOnly ? [] : Array(received[headEnd.upperBound...]))
            }
            let text = String(decoding: received, as: UTF8.self)
            let parts = text.components(separatedBy: "\r\n\r\n")
            let headLines = parts[0].components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for line in headLines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Reply(statusLine: headLines[0], headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n"), frames: frames)
        }
    }

    /// Decodes one complete unmasked text frame (RFC 6455 §5.2), or nil while it is incomplete.
    static func firstFrame(in bytes: [UInt8]) -> String? {
        guard bytes.count >= 2, bytes[0] & 0x0f == 1, bytes[1] & 0x80 == 0 else { return nil }
        var length = Int(bytes[1] & 0x7f)
        var offset = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            offset = 4
        } else if length == 127 {
            return nil
        }
        guard bytes.count >= offset + length else { return nil }
        return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
    }
}
