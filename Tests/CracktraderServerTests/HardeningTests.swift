import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 12, items 1–3: request limits and timeouts over real sockets, idempotent starts, and the
/// rate limit on state-changing requests.
@Suite("Hardening", .serialized)
struct HardeningTests {
    // MARK: Request limits

    @Test("a chunked body over the cap: 413 envelope, then the connection is closed cleanly")
    func chunkedBodyTooLarge() async throws {
        try await withTestApplication(.live) { client in
            let port = try #require(client.port)
            var request = "POST /api/v1/run/backtest HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
            let chunk = String(repeating: " ", count: 64 * 1024)
            for _ in 0..<20 { request += String(64 * 1024, radix: 16) + "\r\n" + chunk + "\r\n" }
            request += "0\r\n\r\n"
            // A generous read timeout: 1.25 MiB through a debug build on a busy machine is slow.
            let reply = try await RawSocket.exchange(port: port, send: request, timeout: 20)
            #expect(reply.statusLine.hasPrefix("HTTP/1.1 413 "))
            #expect(reply.text.contains(#""code":"PAYLOAD_TOO_LARGE""#))
            #expect(reply.headers["connection"] == "close")
            #expect(reply.closedByServer, "the server closes the connection after the 413")
        }
    }

    @Test("too many header fields, or a head over 16 KiB: 431 HEADERS_TOO_LARGE")
    func headersTooLarge() async throws {
        try await withTestApplication(.live) { client in
            let port = try #require(client.port)
            var many = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            for index in 0..<150 { many += "X-Filler-\(index): 1\r\n" }
            let countReply = try await RawSocket.exchange(port: port, send: many + "\r\n")
            #expect(countReply.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
            #expect(countReply.text.contains(#""code":"HEADERS_TOO_LARGE""#))
            #expect(countReply.headers["x-cracktrader-api-version"] == "v1")
            #expect(countReply.closedByServer)

            let big = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n"
            let sizeReply = try await RawSocket.exchange(port: port, send: big)
            #expect(sizeReply.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
            #expect(sizeReply.closedByServer)

            // A normal head still passes.
            let ok = try await RawSocket.exchange(port: port, send: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
            #expect(ok.statusLine == "HTTP/1.1 200 OK")
        }
    }

    @Test("a head sent slowly is answered 408 and closed after the head timeout")
    func slowHeadTimesOut() async throws {
        try await withTestApplication(.live, configure: { $0.limits.requestHeadTimeout = .milliseconds(200) }) { client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            let reply = try await RawSocket.exchange(
                port: port, send: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Slow: ", trickle: "aaaaaaaaaaaaaaaaaaaa",
                trickleInterval: .milliseconds(50))
            #expect(reply.statusLine == "HTTP/1.1 408 Request Timeout")
            #expect(reply.text.contains(#""code":"REQUEST_TIMEOUT""#))
            #expect(reply.closedByServer, "closed before the client's 5 s read timeout")
            _ = started
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleKeepAliveCloses() async throws {
        try await withTestApplication(.live, configure: { $0.limits.idleTimeout = .milliseconds(200) }) { client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // Keep-alive: the server answers, then closes once the connection has been idle.
            let reply = try await RawSocket.exchange(port: port, send: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
            #expect(reply.statusLine == "HTTP/1.1 200 OK")
            #expect(reply.closedByServer, "closed before the client's 5 s read timeout")
            _ = started
            // A connection that never sends a byte is idle too.
            let silent = try await RawSocket.exchange(port: port, send: "")
            #expect(silent.closedByServer)
            #expect(silent.raw.isEmpty)
        }
    }

    @Test("a normal request succeeds while 100 slow connections are open; they are all closed at the head timeout")
    func manySlowConnections() async throws {
        try await withTestApplication(.live, configure: { $0.limits.requestHeadTimeout = .seconds(1) }) { client in
            let port = try #require(client.port)
            var slow: [RawSocket] = []
            for _ in 0..<100 {
                let socket = try RawSocket(port: port)
                try socket.send("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Slow: a")
                slow.append(socket)
            }
            let ok = try await RawSocket.exchange(port: port, send: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
            #expect(ok.statusLine == "HTTP/1.1 200 OK")
            let sockets = slow
            let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for socket in sockets {
                    group.addTask { try await socket.readToEnd(timeout: 5).closedByServer }
                }
                var count = 0
                for try await wasClosed in group where wasClosed { count += 1 }
                return count
            }
            #expect(closed == 100)
        }
    }

    @Test("connections past the cap are closed at accept; a freed slot is usable again")
    func connectionCap() async throws {
        try await withTestApplication(.live, configure: { $0.limits.maxConnections = 4 }) { client in
            let port = try #require(client.port)
            // The test client may hold one connection of its own.
            var held: [RawSocket] = []
            for _ in 0..<6 { held.append(try RawSocket(port: port)) }
            try await Task.sleep(for: .milliseconds(300))
            let refused = held.filter { $0.isClosedByPeer() }.count
            #expect((2...3).contains(refused), "\(refused) of 6 refused at a cap of 4")
            held.forEach { $0.close() }
            var reply = RawSocket.Reply()
            for _ in 0..<50 {
                reply = try await RawSocket.exchange(port: port, send: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
                if reply.statusLine == "HTTP/1.1 200 OK" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(reply.statusLine == "HTTP/1.1 200 OK")
        }
    }

    @Test("a WebSocket frame over the cap closes the stream")
    func webSocketFrameCap() async throws {
        try await withTestApplication(.live, configure: { $0.limits.webSocketMaxFrameBytes = 1024 }) { client in
            let port = try #require(client.port)
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            try socket.send(
                "GET /api/v1/ws/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            // A masked text frame of 4 KiB (length 126 form).
            var frame: [UInt8] = [0x81, 0x80 | 126, 0x10, 0x00, 1, 2, 3, 4]
            frame += [UInt8](repeating: 0x61, count: 4096).enumerated().map { $0.element ^ [1, 2, 3, 4][$0.offset % 4] }
            try socket.send(bytes: frame)
            let reply = try await socket.readToEnd(timeout: 5)
            #expect(reply.statusLine == "HTTP/1.1 101 Switching Protocols")
            #expect(reply.closedByServer, "the server ends a stream that sent an oversized frame")
        }
    }

    // MARK: Rate limits

    @Test("300 starts in a row: 429 RATE_LIMITED with Retry-After after the burst; reads stay 200")
    func rateLimit() async throws {
        try await withTestApplication(.live, configure: fixedClock) { client in
            let port = try #require(client.port)
            var statuses: [String] = []
            var firstLimited: RawSocket.Reply?
            // A paper run that stays running keeps the starts cheap (409 RUN_ALREADY_ACTIVE until
            // limited): 300 real backtests would starve every other test of CPU.
            for index in 0..<300 {
                let body = index == 0 ? slowPaperRun : minimalBacktestBody
                let reply = try await RawSocket.exchange(
                    port: port,
                    send: "POST /api/v1/run/\(index == 0 ? "live" : "backtest") HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
                statuses.append(reply.statusLine)
                if firstLimited == nil, reply.statusLine.hasPrefix("HTTP/1.1 429") { firstLimited = reply }
            }
            let limited = statuses.filter { $0.hasPrefix("HTTP/1.1 429") }.count
            #expect(statuses.first == "HTTP/1.1 200 OK")
            #expect(!statuses.prefix(30).contains { $0.hasPrefix("HTTP/1.1 429") }, "the burst is served")
            #expect(limited > 100, "\(limited) of 300 limited")
            let first = try #require(firstLimited)
            #expect(first.text.contains(#""code":"RATE_LIMITED""#))
            #expect(Int(first.headers["retry-after"] ?? "") ?? 0 >= 1)
            for _ in 0..<50 {
                let read = try await RawSocket.exchange(port: port, send: "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
                #expect(read.statusLine == "HTTP/1.1 200 OK")
            }
        }
    }

    // MARK: Idempotent starts

    @Test("same Idempotency-Key and body: the first answer, one run; another body: 422; a bad key: 400")
    func idempotentStart() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let first = try await client.start(key: "click-1", body: minimalBacktestBody)
            #expect(first.status == .ok)
            let runID = try #require(first.object["run_id"] as? String)
            try await client.waitForStatus(["completed"])
            // Whitespace and key order do not make it another request.
            let again = try await client.start(key: "click-1", body: #"{ "symbols": ["BTC/USDT"], "strategy_name": "MovingAverageCross" }"#)
            #expect(again.status == .ok)
            #expect(again.object["run_id"] as? String == runID)
            #expect(again.replayed)
            let runs = try await client.call(.get, "/api/v1/runs").object
            #expect(runs["total"] as? Int == 1, "nothing new was started")

            let reused = try await client.start(key: "click-1", body: #"{"strategy_name":"MovingAverageCross","symbols":["ETH/USDT"]}"#)
            #expect(reused.status == .unprocessableContent)
            #expect(reused.errorCode == "IDEMPOTENCY_KEY_REUSED")

            for bad in [String(repeating: "k", count: 256), "tab\there", "ключ"] {
                let reply = try await client.start(key: bad, body: minimalBacktestBody)
                #expect(reply.status == .badRequest, "\(bad.prefix(10))")
                #expect(reply.errorCode == "INVALID_IDEMPOTENCY_KEY")
            }
            // A failed start does not keep its key: the corrected request may use it.
            let invalid = try await client.start(key: "click-2", body: #"{"strategy_name":"NoSuchStrategy","symbols":["BTC/USDT"]}"#)
            #expect(invalid.status == .badRequest)
            let fixed = try await client.start(key: "click-2", body: minimalBacktestBody)
            #expect(fixed.status == .ok)
            #expect(fixed.object["run_id"] as? String != runID)
        }
    }

    @Test("a retry after a restart finds the run; a key left pending by a crash finds the run it started")
    func idempotencyIsDurable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        fixedClock(&configuration)
        let settings = configuration

        let firstRun = RunIDBox()
        try await buildApplication(configuration: settings).test(.router) { client in
            let reply = try await client.start(key: "before-restart", body: minimalBacktestBody)
            firstRun.value = reply.object["run_id"] as? String
            try await client.waitForStatus(["completed"])
        }
        let runID = try #require(firstRun.value)

        // A crash between the run's commit and the answer: the key is pending, the run exists.
        let database = try await Database.open(directory: DataDirectory(path: settings.dataDirectory))
        let hash = try await pendingKeyHash()
        _ = try await database.idempotency.reserve(route: "/api/v1/run/backtest", key: "crashed", bodySHA256: hash, now: Int64(Date().timeIntervalSince1970 * 1000))
        await database.close()

        try await buildApplication(configuration: settings).test(.router) { client in
            let retry = try await client.start(key: "before-restart", body: minimalBacktestBody)
            #expect(retry.status == .ok)
            #expect(retry.object["run_id"] as? String == runID)
            #expect(retry.replayed)

            // The run the crashed request created, after the watermark of its key.
            let started = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            let orphan = try #require(started.object["run_id"] as? String)
            try await client.waitForStatus(["completed"])
            let recovered = try await client.start(key: "crashed", body: minimalBacktestBody)
            #expect(recovered.status == .ok)
            #expect(recovered.object["run_id"] as? String == orphan, "the pending key finds its run")
            let runs = try await client.call(.get, "/api/v1/runs").object
            #expect(runs["total"] as? Int == 2, "the recovery started nothing")
        }
    }

    /// The hash the server stores for `minimalBacktestBody` (canonical JSON, sorted keys).
    func pendingKeyHash() async throws -> String {
        SHA256Digest.hex(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"]}"#)
    }
}

final class RunIDBox: @unchecked Sendable {
    var value: String?
}

struct StartReply: Sendable {
    let status: HTTPResponse.Status
    let text: String
    let replayed: Bool

    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}

extension TestClientProtocol {
    func start(key: String, body: String, path: String = "/api/v1/run/backtest") async throws -> StartReply {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[HTTPField.Name("Idempotency-Key")!] = key
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            StartReply(
                status: response.status, text: String(buffer: response.body),
                replayed: response.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
        }
    }
}

/// A blocking TCP client for connection-level tests: partial heads, trickled bytes, and whether
/// the server closed the connection (EOF) rather than the read timing out.
final class RawSocket: @unchecked Sendable {
    struct Reply {
        var raw: [UInt8] = []
        var closedByServer = false

        var text: String { String(decoding: raw, as: UTF8.self) }
        var statusLine: String { text.components(separatedBy: "\r\n").first ?? "" }
        var headers: [String: String] {
            var headers: [String: String] = [:]
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return headers
        }
    }

    let descriptor: Int32

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw TestFailure("connect failed")
        }
        descriptor = fd
    }

    func send(_ text: String) throws { try send(bytes: Array(text.utf8)) }

    func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may close first (a 413 or 431 before everything was sent).
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Reads until the server closes or `timeout` seconds pass without a byte.
    func readToEnd(timeout: Int) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var timeoutValue = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeoutValue, socklen_t(MemoryLayout<timeval>.size))
                var reply = Reply()
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = recv(self.descriptor, &buffer, buffer.count, 0)
                    if count > 0 {
                        reply.raw += buffer[0..<count]
                        continue
                    }
                    // 0: orderly close; ECONNRESET also means the server closed it.
                    reply.closedByServer = count == 0 || errno == ECONNRESET
                    break
                }
                continuation.resume(returning: reply)
            }
        }
    }

    func close() { Glibc.close(descriptor) }

    /// True when the server has closed the connection (EOF or reset), without waiting.
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }

    /// Connects, sends `send` (then `trickle` one byte per `trickleInterval`), reads to the end.
    static func exchange(
        port: Int, send text: String, trickle: String = "", trickleInterval: Duration = .zero, timeout: Int = 5
    ) async throws -> Reply {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        let bytes = Array(text.utf8)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try socket.send(bytes: bytes) })
            }
        }
        // The trickle ends before the socket is closed (a closed descriptor number may be reused).
        let trickler = Task.detached {
            for byte in trickle.utf8 {
                try? await Task.sleep(for: trickleInterval)
                if Task.isCancelled { return }
                try? socket.send(bytes: [byte])
            }
        }
        let reply = try await socket.readToEnd(timeout: timeout)
        trickler.cancel()
        await trickler.value
        return reply
    }
}
