import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 12 item 4: authentication at the edge (`serve --auth-token`), through the router.
@Suite("Authentication")
struct AuthTests {
    static let token = "test-token-0123456789abcdef"
    static let missingEnvelope = envelope(
        code: "AUTH_REQUIRED",
        message: "this server needs a token: send Authorization: Bearer <token>, or sign in at /ui/login",
        details: #"{"reason":"missing_credentials","sign_in":"/ui/login"}"#)
    static let invalidEnvelope = envelope(
        code: "AUTH_REQUIRED",
        message: "the bearer token or session cookie is not valid (sessions end when the server restarts); "
            + "send the right token or sign in again at /ui/login",
        details: #"{"reason":"invalid_credentials","sign_in":"/ui/login"}"#)
    static let missingChallenge = #"Bearer realm="cracktrader""#
    static let invalidChallenge = #"Bearer realm="cracktrader", error="invalid_token""#
    static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
    static let setCookie = HTTPField.Name("Set-Cookie")!
    static let cookie = HTTPField.Name("Cookie")!

    /// An application with `token` configured; `body` also gets the authenticator (login codes).
    func withAuthApp(
        secureCookies: Bool = false,
        _ body: @escaping @Sendable (any TestClientProtocol, Authenticator) async throws -> Void
    ) async throws {
        let authenticator = try Authenticator(token: Self.token, secureCookies: secureCookies)
        try await withTestApplication(configure: { $0.authenticator = authenticator }) { client in
            try await body(client, authenticator)
        }
    }

    static func bearer(_ token: String = AuthTests.token) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    static func cookieHeaders(_ session: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[cookie] = "theme=dark; \(Authenticator.cookieName)=\(session)"
        return headers
    }

    /// Signs in with a fresh one-time code and returns the session id from `Set-Cookie`.
    static func signIn(_ client: some TestClientProtocol, _ authenticator: Authenticator) async throws -> String {
        let code = authenticator.issueLoginCode()
        let setCookie = try await client.execute(uri: "/ui/login?code=\(code)", method: .get) { response in
            #expect(response.status == .seeOther)
            return response.headers[Self.setCookie] ?? ""
        }
        let value = try #require(setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
        return String(value)
    }

    // MARK: No token: everything as before

    @Test("no token configured: API, dashboard and health answer as before; /ui/login leads to /ui")
    func noTokenUnchanged() async throws {
        try await withTestApplication { client in
            let status = try await client.call(.get, "/api/v1/status")
            #expect(status.status == .ok)
            #expect(status.object["status"] as? String == "idle")
            let health = try await client.call(.get, "/api/v1/health").object
            #expect(Set(health.keys) == ["api_version", "checks", "metrics", "status", "timestamp"])
            try await client.execute(uri: "/ui", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"<script type="module" src="/ui/app.js"></script>"#))
            }
            try await client.execute(uri: "/ui/login", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/ui")
                #expect(response.headers[Self.setCookie] == nil)
            }
            let openAPI = try await client.call(.get, "/api/v1/openapi.json").object
            #expect(openAPI["security"] == nil)
            let schemes = (openAPI["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
            #expect(Set(schemes?.keys.map { $0 } ?? []) == ["bearerAuth", "sessionCookie"])
        }
    }

    // MARK: Refusals

    @Test("token configured, no credentials: 401 AUTH_REQUIRED envelope with WWW-Authenticate, on every kind of route")
    func missingCredentials() async throws {
        try await withAuthApp { client, _ in
            for (method, uri) in [
                (HTTPRequest.Method.get, "/api/v1/status"), (.post, "/api/v1/run/stop"), (.delete, "/api/v1/run/reset"),
                (.get, "/api/v1/nothing-here"), (.get, "/metrics"), (.get, "/api/v1/openapi.json"), (.get, "/api/v1/meta"),
                (.get, "/ui/app.js"), (.head, "/api/v1/status"),
            ] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                    #expect(response.headers[Self.wwwAuthenticate] == Self.missingChallenge, "\(method) \(uri)")
                    #expect(response.headers[.apiVersionHeader] == "v1")
                    #expect(response.headers[.cacheControl] == "no-store")
                    if method != .head {
                        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                        #expect(String(buffer: response.body) == Self.missingEnvelope, "\(method) \(uri)")
                    }
                }
            }
        }
    }

    @Test("a wrong or malformed bearer: 401 invalid_token; the right one (any scheme case): 200")
    func bearerTokens() async throws {
        try await withAuthApp { client, _ in
            for value in ["Bearer wrong-token-0123456789abcdef", "Bearer \(Self.token)x", "Bearer " + Self.token.dropLast(), "Basic \(Self.token)", "Bearer", Self.token] {
                var headers = HTTPFields()
                headers[.authorization] = value
                try await client.execute(uri: "/api/v1/status", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(value)")
                    #expect(response.headers[Self.wwwAuthenticate] == Self.invalidChallenge)
                    #expect(String(buffer: response.body) == Self.invalidEnvelope)
                }
            }
            for value in ["Bearer \(Self.token)", "bearer \(Self.token)", "BEARER  \(Self.token) "] {
                var headers = HTTPFields()
                headers[.authorization] = value
                try await client.execute(uri: "/api/v1/status", method: .get, headers: headers) { response in
                    #expect(response.status == .ok, "\(value)")
                    #expect(response.headers[Self.wwwAuthenticate] == nil)
                }
            }
            // A wrong bearer is not rescued by a valid-looking cookie: the Authorization header decides.
            var both = Self.bearer("wrong-token-0123456789abcdef")
            both[Self.cookie] = "\(Authenticator.cookieName)=\(String(repeating: "a", count: 64))"
            try await client.execute(uri: "/api/v1/status", method: .get, headers: both) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    // MARK: Login URL and cookies

    @Test("the one-time login URL sets the session cookie (exact attributes), redirects to /ui, and works once")
    func loginURL() async throws {
        try await withAuthApp { client, authenticator in
            let code = authenticator.issueLoginCode()
            #expect(code.count == 64 && code.allSatisfy(\.isHexDigit))
            let session = try await client.execute(uri: "/ui/login?code=\(code)", method: .get) { response -> String in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/ui")
                #expect(response.headers[.cacheControl] == "no-store")
                let setCookie = try #require(response.headers[Self.setCookie])
                let prefix = "\(Authenticator.cookieName)="
                let suffix = "; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict"
                #expect(setCookie.hasPrefix(prefix) && setCookie.hasSuffix(suffix), "\(setCookie)")
                let value = String(setCookie.dropFirst(prefix.count).dropLast(suffix.count))
                #expect(value.count == 64 && value.allSatisfy(\.isHexDigit), "\(value)")
                #expect(value != code)
                return value
            }
            #expect(authenticator.sessionCount() == 1)
            // The cookie opens the API and the dashboard.
            try await client.execute(uri: "/api/v1/status", method: .get, headers: Self.cookieHeaders(session)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/ui", method: .get, headers: Self.cookieHeaders(session)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"<script type="module" src="/ui/app.js"></script>"#))
            }
            try await client.execute(uri: "/ui/login", method: .get, headers: Self.cookieHeaders(session)) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/ui")
            }
            // The same code again: refused, no cookie, the sign-in page says why.
            try await client.execute(uri: "/ui/login?code=\(code)", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[Self.setCookie] == nil)
                #expect(response.headers[Self.wwwAuthenticate] == Self.invalidChallenge)
                #expect(String(buffer: response.body).contains("This login link was already used or is not valid"))
            }
            // Unknown and malformed codes likewise.
            for bad in [String(repeating: "0", count: 64), "zz", ""] {
                try await client.execute(uri: "/ui/login?code=\(bad)", method: .get) { response in
                    #expect(response.status == .unauthorized, "\(bad)")
                    #expect(response.headers[Self.setCookie] == nil)
                }
            }
            #expect(authenticator.sessionCount() == 1)
        }
    }

    @Test("--secure-cookies adds Secure to the session cookie and to its deletion")
    func secureCookie() async throws {
        try await withAuthApp(secureCookies: true) { client, authenticator in
            let code = authenticator.issueLoginCode()
            try await client.execute(uri: "/ui/login?code=\(code)", method: .get) { response in
                let setCookie = response.headers[Self.setCookie] ?? ""
                #expect(setCookie.hasSuffix("; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict; Secure"), "\(setCookie)")
            }
            #expect(authenticator.clearCookie == "cracktrader_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure")
        }
    }

    @Test("the sign-in form: the right token gives a cookie, a wrong one the page again; a foreign Origin is refused")
    func signInForm() async throws {
        try await withAuthApp { client, _ in
            var form = HTTPFields()
            form[.contentType] = "application/x-www-form-urlencoded"
            // Percent-encoded like a browser would for some characters.
            let encoded = Self.token.replacingOccurrences(of: "-", with: "%2D")
            try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(encoded)")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/ui")
                #expect(response.headers[Self.setCookie]?.hasPrefix("\(Authenticator.cookieName)=") == true)
            }
            try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "token=nope")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[Self.setCookie] == nil)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body).contains("That token is not right."))
            }
            var foreign = form
            foreign[.origin] = "https://evil.example"
            try await client.execute(uri: "/ui/login", method: .post, headers: foreign, body: ByteBuffer(string: "token=\(Self.token)")) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains(#""code":"ORIGIN_NOT_ALLOWED""#))
                #expect(response.headers[Self.setCookie] == nil)
            }
        }
    }

    @Test("a cookie-authenticated state-changing request still passes the Origin (CSRF) rule")
    func cookieStillNeedsOrigin() async throws {
        try await withAuthApp { client, authenticator in
            let session = try await Self.signIn(client, authenticator)
            var foreign = Self.cookieHeaders(session)
            foreign[.origin] = "https://evil.example"
            try await client.execute(uri: "/api/v1/run/stop", method: .post, headers: foreign) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body) == envelope(
                    code: "ORIGIN_NOT_ALLOWED", message: "requests from origin 'https://evil.example' are not allowed",
                    details: #"{"origin":"https://evil.example"}"#))
            }
            var own = Self.cookieHeaders(session)
            own[.origin] = "http://localhost"
            try await client.execute(uri: "/api/v1/run/stop", method: .post, headers: own) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("sign-out ends the session and deletes the cookie")
    func signOut() async throws {
        try await withAuthApp { client, authenticator in
            let session = try await Self.signIn(client, authenticator)
            try await client.execute(uri: "/ui/logout", method: .post, headers: Self.cookieHeaders(session)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[Self.setCookie] == "cracktrader_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
                #expect(String(buffer: response.body).contains("You are signed out."))
            }
            #expect(authenticator.sessionCount() == 0)
            try await client.execute(uri: "/api/v1/status", method: .get, headers: Self.cookieHeaders(session)) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body) == Self.invalidEnvelope)
            }
        }
    }

    // MARK: What stays open

    @Test("signed out, /ui is the sign-in page (401, no script, strict CSP); its CSS and icon and / stay reachable")
    func signInPage() async throws {
        try await withAuthApp { client, _ in
            for uri in ["/ui", "/ui/", "/ui/index.html"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(response.headers[.cacheControl] == "no-store")
                    #expect(response.headers[Self.wwwAuthenticate] == Self.missingChallenge)
                    #expect(response.headers[.cspHeader]?.contains("script-src 'self'") == true)
                    let page = String(buffer: response.body)
                    #expect(page.contains(#"<form method="post" action="/ui/login" class="signin-form">"#))
                    #expect(page.contains(#"<input id="signin-token" name="token" type="password""#))
                    #expect(page.contains("This server needs a token. Open the login URL printed by cracktrader serve, or paste the token below."))
                    #expect(!page.contains("<script"))
                    #expect(!page.contains("style="))
                }
            }
            try await client.execute(uri: "/ui/login", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"action="/ui/login""#))
            }
            for uri in ["/ui/style.css", "/ui/icon.svg"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/ui")
            }
        }
    }

    @Test("health stays open: signed out it is only {\"status\"}; with the token it is the full report")
    func healthMinimal() async throws {
        try await withAuthApp { client, _ in
            let full = try await client.execute(uri: "/api/v1/health", method: .get, headers: Self.bearer()) { response in
                #expect(response.status == .ok)
                return try jsonObject(response.body)
            }
            #expect(Set(full.keys) == ["api_version", "checks", "metrics", "status", "timestamp"])
            let status = try #require(full["status"] as? String)
            for headers in [HTTPFields(), Self.bearer("wrong-token-0123456789abcdef")] {
                try await client.execute(uri: "/api/v1/health", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    #expect(String(buffer: response.body) == #"{"status":"\#(status)"}"#)
                }
            }
        }
    }

    @Test("the WebSocket path without credentials is 401 (the router's view; the socket test covers the upgrade)")
    func webSocketPathNeedsCredentials() async throws {
        try await withAuthApp { client, _ in
            var headers = HTTPFields()
            headers[.upgrade] = "websocket"
            headers[.connection] = "Upgrade"
            try await client.execute(uri: "/api/v1/ws/status", method: .get, headers: headers) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body) == Self.missingEnvelope)
            }
        }
    }

    @Test("OpenAPI with a token: bearer and cookie schemes required everywhere but health, 401 listed")
    func openAPISecurity() async throws {
        try await withAuthApp { client, _ in
            let document = try await client.execute(uri: "/api/v1/openapi.json", method: .get, headers: Self.bearer()) { response in
                try jsonObject(response.body)
            }
            let security = try #require(document["security"] as? [[String: [String]]])
            #expect(security == [["bearerAuth": []], ["sessionCookie": []]])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let health = try #require(paths["/api/v1/health"]?["get"] as? [String: Any])
            #expect((health["security"] as? [[String: Any]])?.count == 1)
            #expect((health["responses"] as? [String: Any])?["401"] == nil)
            let status = try #require(paths["/api/v1/status"]?["get"] as? [String: Any])
            #expect((status["responses"] as? [String: Any])?["401"] != nil)
            let stop = try #require(paths["/api/v1/run/stop"]?["post"] as? [String: Any])
            #expect((stop["responses"] as? [String: Any])?["401"] != nil)
        }
    }
}
