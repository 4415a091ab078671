import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 12 item 4 over real sockets and the real binary: the WebSocket upgrade is refused with 401
/// before upgrading, the cookie and the bearer token open it, and `cracktrader serve` refuses a
/// non-loopback bind without a token and prints a working one-time login URL with one.
@Suite("Authentication (sockets and binary)", .serialized)
struct AuthLiveTests {
    static func upgradeRequest(port: Int, extra: String = "") -> String {
        "GET /api/v1/ws/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:\(port)\r\n"
            + extra + "\r\n"
    }

    @Test("WebSocket upgrade: 401 envelope with WWW-Authenticate before upgrading; cookie or bearer: 101")
    func webSocketUpgrade() async throws {
        let authenticator = try Authenticator(token: AuthTests.token)
        try await withTestApplication(.live, configure: { $0.authenticator = authenticator }) { client in
            let port = try #require(client.port)
            let refused = try await RawHTTP.exchange(port: port, request: Self.upgradeRequest(port: port))
            #expect(refused.statusLine == "HTTP/1.1 401 Unauthorized")
            #expect(refused.headers["www-authenticate"] == AuthTests.missingChallenge)
            #expect(refused.headers["x-cracktrader-api-version"] == "v1")
            #expect(refused.headers["connection"] == "close")
            #expect(refused.headers["upgrade"] == nil)
            #expect(refused.body == AuthTests.missingEnvelope)

            let wrong = try await RawHTTP.exchange(
                port: port, request: Self.upgradeRequest(port: port, extra: "Authorization: Bearer wrong-token-0123456789\r\n"))
            #expect(wrong.statusLine == "HTTP/1.1 401 Unauthorized")
            #expect(wrong.headers["www-authenticate"] == AuthTests.invalidChallenge)
            #expect(wrong.body == AuthTests.invalidEnvelope)

            let bearer = try await RawHTTP.exchange(
                port: port, request: Self.upgradeRequest(port: port, extra: "Authorization: Bearer \(AuthTests.token)\r\n"),
                untilHeadersOnly: true)
            #expect(bearer.statusLine == "HTTP/1.1 101 Switching Protocols")

            let session = authenticator.startSession()
            let cookie = try await RawHTTP.exchange(
                port: port, request: Self.upgradeRequest(port: port, extra: "Cookie: \(Authenticator.cookieName)=\(session)\r\n"),
                untilHeadersOnly: true)
            #expect(cookie.statusLine == "HTTP/1.1 101 Switching Protocols")
            let frame = try #require(cookie.frames.first)
            #expect(frame.contains(#""type":"status""#))

            // Over the socket too, HTTP requests need credentials and health stays minimal.
            let status = try await RawHTTP.exchange(
                port: port, request: "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
            #expect(status.statusLine == "HTTP/1.1 401 Unauthorized")
            let health = try await RawHTTP.exchange(
                port: port, request: "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
            #expect(health.statusLine == "HTTP/1.1 200 OK")
            #expect(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: String] != nil)
        }
    }

    @Test("--allowed-host with a proxy: the proxy's Host and Origin pass, and the cookie still decides")
    func behindProxy() async throws {
        let authenticator = try Authenticator(token: AuthTests.token, secureCookies: true)
        try await withTestApplication(.live, configure: {
            $0.authenticator = authenticator
            $0.allowedHosts = ["trader.example"]
        }) { client in
            let port = try #require(client.port)
            // What nginx or Caddy forward: the public Host, the browser's https Origin.
            let form = "token=\(AuthTests.token)"
            let login = try await RawHTTP.exchange(
                port: port,
                request: "POST /ui/login HTTP/1.1\r\nHost: trader.example\r\nOrigin: https://trader.example\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\nConnection: close\r\n\r\n\(form)")
            #expect(login.statusLine == "HTTP/1.1 303 See Other")
            let setCookie = try #require(login.headers["set-cookie"])
            #expect(setCookie.hasSuffix("; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict; Secure"))
            let pair = try #require(setCookie.split(separator: ";").first)
            let stop = try await RawHTTP.exchange(
                port: port,
                request: "POST /api/v1/run/stop HTTP/1.1\r\nHost: trader.example\r\nOrigin: https://trader.example\r\n"
                    + "Cookie: \(pair)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(stop.statusLine == "HTTP/1.1 200 OK")
            let unsigned = try await RawHTTP.exchange(
                port: port,
                request: "POST /api/v1/run/stop HTTP/1.1\r\nHost: trader.example\r\nOrigin: https://trader.example\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(unsigned.statusLine == "HTTP/1.1 401 Unauthorized")
        }
    }

    // MARK: The binary

    /// Runs the built binary with `arguments` until it exits (or kills it by pid after 20 s).
    static func runToExit(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> (status: Int32, stderr: String)
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: binary)
                    process.arguments = arguments
                    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
                    let errors = Pipe()
                    process.standardError = errors
                    process.standardOutput = FileHandle.nullDevice
                    try process.run()
                    let deadline = Date().addingTimeInterval(20)
                    while process.isRunning && Date() < deadline { usleep(20_000) }
                    if process.isRunning {
                        _ = Glibc.kill(process.processIdentifier, SIGKILL)
                        process.waitUntilExit()
                        throw TestFailure("cracktrader \(arguments.joined(separator: " ")) did not exit")
                    }
                    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    return (process.terminationStatus, text)
                })
            }
        }
    }

    @Test("cracktrader serve: a non-loopback --host without a token exits 1 with the reason, before listening")
    func binaryRefusesExposure() async throws {
        guard let binary = CracktraderBinary.path else {
            print("AuthLiveTests.binaryRefusesExposure skipped: no built .build/debug/cracktrader binary")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // 192.0.2.1 (TEST-NET-1) is on no interface: if the check were missing, the bind would fail
        // with another message instead of listening anywhere.
        let result = try await Self.runToExit(
            binary, ["serve", "--host", "192.0.2.1", "--port", "0", "--data-dir", directory.path + "/data", "--offline"],
            environment: ["CRACKTRADER_AUTH_TOKEN": ""])
        #expect(result.status == 1)
        #expect(result.stderr == "error: " + AuthConfigurationTests.refusal() + "\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/data"))

        let contradictory = try await Self.runToExit(
            binary, ["serve", "--port", "0", "--data-dir", directory.path + "/data", "--auth-token", AuthTests.token, "--insecure-no-auth"])
        #expect(contradictory.status == 64)
        #expect(contradictory.stderr.contains("--insecure-no-auth contradicts the token from --auth-token; drop one of them"))
    }

    @Test("cracktrader serve with CRACKTRADER_AUTH_TOKEN prints a one-time login URL that signs in once")
    func binaryLoginURL() async throws {
        guard let binary = CracktraderBinary.path else {
            print("AuthLiveTests.binaryLoginURL skipped: no built .build/debug/cracktrader binary")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let (process, port, path) = try await Self.serveWithToken(binary: binary, dataDirectory: directory.path + "/data")
        defer {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        #expect(path.hasPrefix("/ui/login?code=") && path.count == "/ui/login?code=".count + 64, "\(path)")
        let login = try await RawHTTP.exchange(
            port: port, request: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
        #expect(login.statusLine == "HTTP/1.1 303 See Other")
        #expect(login.headers["location"] == "/ui")
        let pair = try #require(login.headers["set-cookie"]?.split(separator: ";").first)
        let status = try await RawHTTP.exchange(
            port: port, request: "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nCookie: \(pair)\r\nConnection: close\r\n\r\n")
        #expect(status.statusLine == "HTTP/1.1 200 OK")
        let bearer = try await RawHTTP.exchange(
            port: port,
            request: "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(AuthTests.token)\r\nConnection: close\r\n\r\n")
        #expect(bearer.statusLine == "HTTP/1.1 200 OK")
        let again = try await RawHTTP.exchange(
            port: port, request: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
        #expect(again.statusLine == "HTTP/1.1 401 Unauthorized")
    }

    /// Starts the binary with the token in the environment; returns it with the port and login path.
    static func serveWithToken(binary: String, dataDirectory: String) async throws -> (Process, Int, String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: binary)
                    process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory, "--offline", "--log-level", "error"]
                    process.environment = ProcessInfo.processInfo.environment.merging(["CRACKTRADER_AUTH_TOKEN": AuthTests.token]) { _, given in given }
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    var text = ""
                    let deadline = Date().addingTimeInterval(30)
                    while Date() < deadline {
                        let chunk = output.fileHandleForReading.availableData
                        if chunk.isEmpty { break }
                        text += String(decoding: chunk, as: UTF8.self)
                        let prefix = "Sign in (the link works once): http://127.0.0.1:"
                        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }), text.hasSuffix("\n") {
                            let rest = line.dropFirst(prefix.count)
                            if let slash = rest.firstIndex(of: "/"), let port = Int(rest[..<slash]) {
                                return (process, port, String(rest[slash...]))
                            }
                        }
                    }
                    _ = Glibc.kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    throw TestFailure("cracktrader serve printed no login URL: \(text)")
                })
            }
        }
    }
}
