import Synchronization

/// The server's one secret (the auth token) and what it grants: bearer access, one-time login
/// codes and session cookies. Set on `ServerConfiguration.authenticator`; nil means no
/// authentication (loopback only, unless `--insecure-no-auth`).
///
/// Sessions and login codes live in memory only: a restart signs every browser out, which is the
/// point (nothing to steal from the data directory). Every comparison with a secret is
/// constant-time (`ConstantTime`).
public final class Authenticator: Sendable {
    /// The session cookie's name.
    public static let cookieName = "cracktrader_session"
    /// How long a session lasts from sign-in (absolute, not sliding). Seven days.
    public static let defaultSessionLifetime: Duration = .seconds(7 * 86_400)
    /// Past this many sessions the one closest to expiry is dropped: the store cannot be grown
    /// without bound by signing in over and over.
    public static let maximumSessions = 1_000
    /// Login codes not yet used; issuing more drops the oldest.
    public static let maximumLoginCodes = 16
    /// How long a printed login URL stays good. Its line may sit in a log or a terminal
    /// scrollback long after start-up; past this the token (`POST /ui/login`) still works.
    public static let defaultLoginCodeLifetime: Duration = .seconds(3_600)
    /// Random bytes per session id and login code (256 bits).
    static let secretBytes = 32

    private let token: [UInt8]
    /// Adds `Secure` to the cookie: the browser reaches the server over HTTPS through a
    /// TLS-terminating proxy (`--secure-cookies`).
    public let secureCookies: Bool
    public let sessionLifetime: Duration
    public let loginCodeLifetime: Duration
    private let state = Mutex(State())

    private struct State {
        var sessions: [Session] = []
        var loginCodes: [LoginCode] = []
    }

    private struct LoginCode {
        let code: [UInt8]
        let expires: ContinuousClock.Instant
    }

    private struct Session {
        let id: [UInt8]
        let expires: ContinuousClock.Instant
    }

    /// What the credentials of a request amount to.
    public enum Verdict: Sendable, Equatable {
        case granted
        /// No `Authorization` header and no session cookie.
        case missing
        /// A wrong bearer token, a malformed `Authorization`, or an unknown or expired session.
        case invalid
    }

    /// - Throws: `ConfigurationError` when `token` is not 16 to 4096 printable ASCII characters
    ///   without spaces (what fits in `Authorization: Bearer …` unchanged).
    public init(
        token: String, secureCookies: Bool = false, sessionLifetime: Duration = Authenticator.defaultSessionLifetime,
        loginCodeLifetime: Duration = Authenticator.defaultLoginCodeLifetime
    ) throws(ConfigurationError) {
        try Self.validate(token: token)
        self.token = Array(token.utf8)
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.loginCodeLifetime = loginCodeLifetime
    }

    public static func validate(token: String) throws(ConfigurationError) {
        let bytes = Array(token.utf8)
        guard (16...4096).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw ConfigurationError(
                "the auth token must be 16 to 4096 printable ASCII characters without spaces "
                    + "(make one with: openssl rand -hex 32)")
        }
    }

    // MARK: Checking requests

    /// Judges a request by its `Authorization` values and `Cookie` header values. When an
    /// `Authorization` header is present it alone decides (a wrong token is not rescued by a cookie).
    public func verdict(authorization: [String], cookies: [String], now: ContinuousClock.Instant = .now) -> Verdict {
        if !authorization.isEmpty {
            guard authorization.count == 1, let presented = Self.bearerToken(authorization[0]) else { return .invalid }
            return ConstantTime.equals(presented.utf8, token) ? .granted : .invalid
        }
        let presented = cookies.flatMap(Self.sessionIDs(inCookieHeader:))
        if presented.isEmpty { return .missing }
        return presented.contains { isLiveSession($0, now: now) } ? .granted : .invalid
    }

    /// Checks a token typed into the sign-in form.
    public func isToken(_ candidate: String) -> Bool {
        ConstantTime.equals(candidate.utf8, token)
    }

    private func isLiveSession(_ id: String, now: ContinuousClock.Instant) -> Bool {
        guard let bytes = Self.decodeHex(id) else { return false }
        return state.withLock { state in
            state.sessions.removeAll { $0.expires <= now }
            return ConstantTime.firstIndex(of: bytes, in: state.sessions.map(\.id)) != nil
        }
    }

    /// `Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1) → the token.
    static func bearerToken(_ header: String) -> String? {
        let trimmed = header.trimmingSpaces()
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let value = trimmed.dropFirst(7).trimmingSpaces()
        return value.isEmpty ? nil : value
    }

    /// Every value of our cookie in one `Cookie` header (`a=1; cracktrader_session=…`).
    static func sessionIDs(inCookieHeader header: String) -> [String] {
        header.split(separator: ";").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard parts.count == 2, parts[0] == cookieName, !parts[1].isEmpty else { return nil }
            return parts[1]
        }
    }

    // MARK: Login codes and sessions

    /// A new one-time login code (64 hex digits), good for one sign-in at `/ui/login?code=…`
    /// within `loginCodeLifetime`.
    public func issueLoginCode(now: ContinuousClock.Instant = .now) -> String {
        let code = Self.randomBytes()
        state.withLock { state in
            state.loginCodes.removeAll { $0.expires <= now }
            state.loginCodes.append(LoginCode(code: code, expires: now + loginCodeLifetime))
            if state.loginCodes.count > Self.maximumLoginCodes { state.loginCodes.removeFirst() }
        }
        return Self.hex(code)
    }

    /// Spends a login code: a new session id, or nil when the code is unknown, expired or already used.
    public func redeemLoginCode(_ code: String, now: ContinuousClock.Instant = .now) -> String? {
        guard let bytes = Self.decodeHex(code) else { return nil }
        let spent = state.withLock { state -> Bool in
            state.loginCodes.removeAll { $0.expires <= now }
            guard let index = ConstantTime.firstIndex(of: bytes, in: state.loginCodes.map(\.code)) else { return false }
            state.loginCodes.remove(at: index)
            return true
        }
        return spent ? startSession(now: now) : nil
    }

    /// A new session for the bearer of the token: its id (64 hex digits).
    public func startSession(now: ContinuousClock.Instant = .now) -> String {
        let id = Self.randomBytes()
        let expires = now + sessionLifetime
        state.withLock { state in
            state.sessions.removeAll { $0.expires <= now }
            if state.sessions.count >= Self.maximumSessions,
                let soonest = state.sessions.indices.min(by: { state.sessions[$0].expires < state.sessions[$1].expires })
            {
                state.sessions.remove(at: soonest)
            }
            state.sessions.append(Session(id: id, expires: expires))
        }
        return Self.hex(id)
    }

    /// Ends the sessions named in these `Cookie` header values (sign-out).
    public func endSessions(cookies: [String]) {
        let ids = cookies.flatMap(Self.sessionIDs(inCookieHeader:)).compactMap(Self.decodeHex)
        guard !ids.isEmpty else { return }
        state.withLock { state in
            for id in ids {
                if let index = ConstantTime.firstIndex(of: id, in: state.sessions.map(\.id)) { state.sessions.remove(at: index) }
            }
        }
    }

    /// Sessions alive now (tests, metrics).
    public func sessionCount(now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { state in state.sessions.filter { $0.expires > now }.count }
    }

    // MARK: Cookies

    /// The `Set-Cookie` value for a new session: not readable by scripts, never sent by another
    /// site, for every path, gone with the session.
    public func setCookie(sessionID: String) -> String {
        let seconds = sessionLifetime.components.seconds
        return "\(Self.cookieName)=\(sessionID); Path=/; Max-Age=\(seconds); HttpOnly; SameSite=Strict"
            + (secureCookies ? "; Secure" : "")
    }

    /// The `Set-Cookie` value that deletes the cookie.
    public var clearCookie: String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    // MARK: Bytes

    static func randomBytes() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<secretBytes).map { _ in generator.next() }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Exactly `2 × secretBytes` lowercase or uppercase hex digits → bytes.
    static func decodeHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == secretBytes * 2 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(secretBytes)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
