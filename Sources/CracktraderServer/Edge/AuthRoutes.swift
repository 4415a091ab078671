import HTTPTypes
import Hummingbird
import NIOCore

/// `/ui/login` and `/ui/logout`: how a browser turns the token (or a one-time login code) into a
/// session cookie, and back.
///
/// - `GET /ui/login?code=…` spends a one-time code printed by `cracktrader serve`: 303 to `/ui`
///   with the cookie, so the code leaves the address bar at once; a used or unknown code is 401
///   with the sign-in page.
/// - `POST /ui/login` takes the token from the sign-in form (`token=…`, form-encoded): 303 to
///   `/ui` with the cookie, or 401 with the page again.
/// - `POST /ui/logout` ends the session and deletes the cookie.
///
/// These are state-changing requests like any other: the edge's Host, Origin and rate-limit rules
/// apply (the rate limit also caps guessing). Without a token configured they just lead to `/ui`.
struct AuthRoutes {
    static let loginPath = "/ui/login"
    static let logoutPath = "/ui/logout"
    /// The sign-in form is one short field; anything longer is not a token.
    static let maximumFormBytes = 8 * 1024

    let authenticator: Authenticator?

    func register(on routes: inout RouteRegistrar) throws {
        let authenticator = self.authenticator
        try routes.add(.get, Self.loginPath, isListed: false) { request, _ in
            guard let authenticator else { return Self.redirect(to: "/ui") }
            if let code = request.uri.queryParameters["code"].map(String.init) {
                guard let session = authenticator.redeemLoginCode(code) else {
                    return AuthSignInPage.response(.codeUsed, status: .unauthorized, headers: APIError.authRequired(.invalid).headers)
                }
                return Self.redirect(to: "/ui", setCookie: authenticator.setCookie(sessionID: session))
            }
            if authenticator.verdict(request) == .granted { return Self.redirect(to: "/ui") }
            return AuthSignInPage.response(.none, status: .ok)
        }
        try routes.add(.post, Self.loginPath, isListed: false) { request, _ in
            guard let authenticator else { return Self.redirect(to: "/ui") }
            let body = try await request.body.collect(upTo: Self.maximumFormBytes)
            let token = Self.formField("token", in: String(buffer: body)) ?? ""
            guard authenticator.isToken(token) else {
                return AuthSignInPage.response(.wrongToken, status: .unauthorized, headers: APIError.authRequired(.invalid).headers)
            }
            return Self.redirect(to: "/ui", setCookie: authenticator.setCookie(sessionID: authenticator.startSession()))
        }
        try routes.add(.post, Self.logoutPath, isListed: false) { request, _ in
            guard let authenticator else { return Self.redirect(to: "/ui") }
            authenticator.endSessions(cookies: request.headers[values: .cookie])
            var headers = HTTPFields()
            headers[.setCookie] = authenticator.clearCookie
            return AuthSignInPage.response(.signedOut, status: .ok, headers: headers)
        }
    }

    /// 303 See Other: the browser follows with a GET, and a reload does not post again.
    static func redirect(to location: String, setCookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        headers[.contentLength] = "0"
        if let setCookie { headers[.setCookie] = setCookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// The first value of `name` in an `application/x-www-form-urlencoded` body, decoded.
    static func formField(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, percentDecoded(parts[0]) == name else { continue }
            return percentDecoded(parts[1])
        }
        return nil
    }

    /// `+` is a space, `%XX` a byte; a malformed escape is kept as it is.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count, let high = hexValue(utf8[index + 1]),
                let low = hexValue(utf8[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
