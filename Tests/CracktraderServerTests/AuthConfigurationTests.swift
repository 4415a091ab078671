import CracktraderServer
import Foundation
import Logging
import Testing

/// Issue 12 item 4: the pieces under the edge rules — exposure validation, the token's shape,
/// token files, constant-time comparison, session expiry and the caps.
@Suite("Authentication configuration")
struct AuthConfigurationTests {
    /// The refusal for `host`. Tests only ever configure TEST-NET-1 (192.0.2.1, on no interface)
    /// as the exposed host, never a wildcard address: even if the refusal regressed, nothing
    /// could listen beyond loopback.
    static func refusal(_ host: String = "192.0.2.1") -> String {
        "refusing to serve \(host) without authentication: other machines could start and stop runs. "
        + "Set a token (--auth-token-file PATH, CRACKTRADER_AUTH_TOKEN or --auth-token), bind 127.0.0.1 "
        + "and use an SSH tunnel, or pass --insecure-no-auth if an authenticating proxy is the only way in"
    }

    @Test("a non-loopback bind without a token is refused unless --insecure-no-auth; loopback never is")
    func exposure() throws {
        var configuration = ServerConfiguration(host: "192.0.2.1")
        #expect(throws: ConfigurationError.self) { try configuration.validateExposure() }
        do {
            try configuration.validateExposure()
        } catch {
            #expect(error.description == Self.refusal())
        }
        // Wildcards count as exposed too (checked on the names; no configuration of them is built).
        #expect(HostPolicy.wildcardAddresses.count == 3)
        for wildcard in HostPolicy.wildcardAddresses {
            #expect(!HostPolicy.isLoopbackName(wildcard) && HostPolicy.isWildcardAddress(wildcard.uppercased()), "\(wildcard)")
        }
        #expect(!HostPolicy.isWildcardAddress("127.0.0.1") && !HostPolicy.isWildcardAddress("192.0.2.1"))
        for host in ["192.168.1.5", "trader.example"] {
            configuration.host = host
            #expect(throws: ConfigurationError.self, "\(host)") { try configuration.validateExposure() }
        }
        configuration.allowsRemoteAccessWithoutAuth = true
        try configuration.validateExposure()
        configuration.allowsRemoteAccessWithoutAuth = false
        configuration.authenticator = try Authenticator(token: "0123456789abcdef")
        try configuration.validateExposure()
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            try ServerConfiguration(host: host).validateExposure()
        }
    }

    @Test("buildApplication itself refuses a non-loopback bind without a token, before touching the data directory")
    func buildRefuses() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // A documentation address (TEST-NET-1): even if the refusal regressed, nothing could
        // listen beyond loopback.
        let configuration = ServerConfiguration(host: "192.0.2.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        do {
            _ = try await buildApplication(configuration: configuration)
            Issue.record("buildApplication accepted 192.0.2.1 without a token")
        } catch let error as ConfigurationError {
            #expect(error.description == Self.refusal())
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/data"))
    }

    @Test("tokens: 16 to 4096 printable ASCII characters without spaces")
    func tokenShape() throws {
        for bad in ["", "short", String(repeating: "a", count: 15), "0123456789 abcdef", "0123456789abcdéf", "0123456789abcdef\n",
            String(repeating: "a", count: 4097)]
        {
            #expect(throws: ConfigurationError.self, "\(bad)") { try Authenticator(token: bad) }
        }
        _ = try Authenticator(token: String(repeating: "a", count: 16))
        _ = try Authenticator(token: String(repeating: "~", count: 4096))
        do {
            _ = try Authenticator(token: "short")
        } catch {
            #expect(error.description == "the auth token must be 16 to 4096 printable ASCII characters without spaces (make one with: openssl rand -hex 32)")
        }
    }

    // MARK: Token files

    func writeFile(_ contents: String, mode: Int, in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/token"
        try? FileManager.default.removeItem(atPath: path)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("token file: trailing newlines trimmed (LF and CRLF), nothing else")
    func tokenFileTrim() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(try AuthTokenFile.read(path: writeFile("abc0123456789xyz\n", mode: 0o600, in: directory)) == "abc0123456789xyz")
        #expect(try AuthTokenFile.read(path: writeFile("abc0123456789xyz\r\n\n", mode: 0o400, in: directory)) == "abc0123456789xyz")
        #expect(try AuthTokenFile.read(path: writeFile("abc0123456789xyz", mode: 0o640, in: directory)) == "abc0123456789xyz")
        // Inner and leading whitespace is kept, so Authenticator refuses it instead of guessing.
        #expect(try AuthTokenFile.read(path: writeFile(" abc 0123456789xyz\n", mode: 0o600, in: directory)) == " abc 0123456789xyz")
    }

    @Test("token file: refused when every user may read or write it, when missing, or when not a regular file")
    func tokenFileRefusals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let readable = try writeFile("abc0123456789xyz\n", mode: 0o644, in: directory)
        do {
            _ = try AuthTokenFile.read(path: readable)
            Issue.record("a world-readable token file was accepted")
        } catch {
            #expect(error.description == "the auth token file \(readable) can be read or written by every user (mode 644); run: chmod 600 \(readable)")
        }
        let writable = try writeFile("abc0123456789xyz\n", mode: 0o602, in: directory)
        #expect(throws: ConfigurationError.self) { try AuthTokenFile.read(path: writable) }
        do {
            _ = try AuthTokenFile.read(path: directory.path + "/missing")
            Issue.record("a missing token file was accepted")
        } catch {
            #expect(error.description == "cannot read the auth token file \(directory.path)/missing: No such file or directory")
        }
        do {
            _ = try AuthTokenFile.read(path: directory.path)
            Issue.record("a directory was accepted as a token file")
        } catch {
            #expect(error.description == "the auth token file \(directory.path) is not a regular file")
        }
    }

    // MARK: Constant-time comparison

    @Test("constant-time compare: equal, and unequal at the first byte, the last byte, or by length")
    func constantTimeCompare() {
        #expect(ConstantTime.equals("abcdef", "abcdef"))
        #expect(ConstantTime.equals("", ""))
        #expect(!ConstantTime.equals("abcdef", "Xbcdef"))
        #expect(!ConstantTime.equals("abcdef", "abcdeX"))
        #expect(!ConstantTime.equals("abcdef", "abcde"))
        #expect(!ConstantTime.equals("abcde", "abcdef"))
        #expect(!ConstantTime.equals("", "a"))
        // A longer input whose extra bytes are zero must not compare equal to its prefix.
        #expect(!ConstantTime.equals([1, 2, 0] as [UInt8], [1, 2] as [UInt8]))
        #expect(ConstantTime.equals([0xff, 0x00] as [UInt8], [0xff, 0x00] as [UInt8]))
        // Every single-bit difference is seen.
        for bit in 0..<8 {
            #expect(!ConstantTime.equals([0x5a] as [UInt8], [0x5a ^ (1 << bit)] as [UInt8]))
        }
    }

    // MARK: Sessions and codes

    @Test("sessions expire at their lifetime (absolute); the cookie then counts as invalid")
    func sessionExpiry() throws {
        let authenticator = try Authenticator(token: "0123456789abcdef", sessionLifetime: .seconds(60))
        let start = ContinuousClock.now
        let session = authenticator.startSession(now: start)
        let cookie = ["\(Authenticator.cookieName)=\(session)"]
        #expect(authenticator.verdict(authorization: [], cookies: cookie, now: start + .seconds(59)) == .granted)
        #expect(authenticator.verdict(authorization: [], cookies: cookie, now: start + .seconds(60)) == .invalid)
        #expect(authenticator.sessionCount(now: start + .seconds(60)) == 0)
        #expect(authenticator.setCookie(sessionID: session) == "cracktrader_session=\(session); Path=/; Max-Age=60; HttpOnly; SameSite=Strict")
        #expect(authenticator.verdict(authorization: [], cookies: [], now: start) == .missing)
        #expect(authenticator.verdict(authorization: [], cookies: ["other=1"], now: start) == .missing)
        #expect(authenticator.verdict(authorization: [], cookies: ["\(Authenticator.cookieName)=nothex"], now: start) == .invalid)
        // Two Authorization headers are refused rather than picked from.
        #expect(authenticator.verdict(authorization: ["Bearer 0123456789abcdef", "Bearer 0123456789abcdef"], cookies: [], now: start) == .invalid)
    }

    @Test("caps: at most 1,000 sessions (the soonest to expire goes) and 16 unused login codes (the oldest goes)")
    func caps() throws {
        let authenticator = try Authenticator(token: "0123456789abcdef")
        let start = ContinuousClock.now
        let first = authenticator.startSession(now: start)
        for index in 1..<Authenticator.maximumSessions {
            _ = authenticator.startSession(now: start + .milliseconds(index))
        }
        #expect(authenticator.sessionCount(now: start) == 1_000)
        #expect(authenticator.verdict(authorization: [], cookies: ["\(Authenticator.cookieName)=\(first)"], now: start) == .granted)
        _ = authenticator.startSession(now: start + .seconds(10))
        #expect(authenticator.sessionCount(now: start + .seconds(10)) == 1_000)
        #expect(authenticator.verdict(authorization: [], cookies: ["\(Authenticator.cookieName)=\(first)"], now: start + .seconds(10)) == .invalid)

        let oldest = authenticator.issueLoginCode()
        let codes = (0..<Authenticator.maximumLoginCodes).map { _ in authenticator.issueLoginCode() }
        #expect(authenticator.redeemLoginCode(oldest) == nil)
        #expect(authenticator.redeemLoginCode(codes[0]) != nil)
        #expect(authenticator.redeemLoginCode(codes[0]) == nil)
        #expect(Set(codes).count == codes.count)
    }

    @Test("a login code expires after its lifetime; the token keeps working")
    func loginCodeExpires() throws {
        let authenticator = try Authenticator(token: "0123456789abcdef0123", loginCodeLifetime: .seconds(60))
        let issued = ContinuousClock.now
        let stale = authenticator.issueLoginCode(now: issued)
        let fresh = authenticator.issueLoginCode(now: issued)
        #expect(authenticator.redeemLoginCode(fresh, now: issued + .seconds(59)) != nil)
        #expect(authenticator.redeemLoginCode(stale, now: issued + .seconds(60)) == nil)
        // Expiry removed it: it does not come back at an earlier instant either.
        #expect(authenticator.redeemLoginCode(stale, now: issued) == nil)
        let late = authenticator.issueLoginCode(now: issued + .seconds(100))
        let session = try #require(authenticator.redeemLoginCode(late, now: issued + .seconds(159)))
        #expect(session.count == 64)
        #expect(authenticator.isToken("0123456789abcdef0123"))
        #expect(Authenticator.defaultLoginCodeLifetime == .seconds(3_600))
    }
}
