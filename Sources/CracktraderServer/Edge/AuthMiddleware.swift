import HTTPTypes
import Hummingbird

/// With an auth token configured: every request needs `Authorization: Bearer <token>` or a live
/// session cookie, except the few that must work signed out.
///
/// It runs after `EdgeMiddleware`, so the Host, Origin (CSRF), CORS-preflight, rate-limit and
/// body-size rules still come first and apply to signed-in requests too, and the 401 it throws
/// gets the envelope and the common headers from there. The WebSocket upgrade is checked by
/// `UpgradeGuardHandler` before NIO upgrades (the same `Authenticator.verdict`).
///
/// Signed out, only these are served:
/// - `GET /api/v1/health`, reduced to `{"status": …}` (probes need no token; nothing else leaks);
/// - `/ui/login` and `/ui/logout`, the sign-in page's `/ui/style.css` and `/ui/icon.svg`, and the
///   `/` redirect;
/// - `/ui` itself answers 401 with the sign-in page instead of the dashboard.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let authenticator: Authenticator
    /// The overall health (`healthy`, `degraded`, `unhealthy`) for signed-out probes.
    let healthStatus: @Sendable () async -> String

    static let healthPath = "/api/v1/health"
    /// Served to anyone: the sign-in page's own needs.
    static let publicReads: Set<String> = ["/", "/ui/style.css", "/ui/icon.svg"]
    /// Sign-in and sign-out handle credentials themselves (any method; the router answers 405).
    static let signInPaths: Set<String> = [AuthRoutes.loginPath, AuthRoutes.logoutPath]
    /// The dashboard page: signed out, the sign-in page is shown in its place.
    static let dashboardPages: Set<String> = ["/ui", "/ui/", "/ui/index.html"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isRead = request.method == .get || request.method == .head
        if Self.signInPaths.contains(path) || (isRead && Self.publicReads.contains(path)) {
            return try await next(request, context)
        }
        let verdict = authenticator.verdict(request)
        if verdict == .granted { return try await next(request, context) }
        if isRead && path == Self.healthPath {
            struct MinimalHealth: Encodable { let status: String }
            return try JSONResponse.ok(MinimalHealth(status: await healthStatus()))
        }
        let refusal = APIError.authRequired(verdict)
        if isRead && Self.dashboardPages.contains(path) {
            return AuthSignInPage.response(.required, status: .unauthorized, headers: refusal.headers)
        }
        throw refusal
    }
}

extension Authenticator {
    /// The verdict on a parsed request.
    func verdict(_ request: Request) -> Verdict {
        verdict(authorization: request.headers[values: .authorization], cookies: request.headers[values: .cookie])
    }
}

extension APIError {
    /// 401 `AUTH_REQUIRED` with `WWW-Authenticate: Bearer` (RFC 6750 §3; `error="invalid_token"`
    /// when credentials were sent but are wrong or expired).
    static func authRequired(_ verdict: Authenticator.Verdict) -> APIError {
        var headers = HTTPFields()
        if verdict == .invalid {
            headers[.wwwAuthenticate] = #"Bearer realm="cracktrader", error="invalid_token""#
            return APIError(
                status: .unauthorized, code: "AUTH_REQUIRED",
                message: "the bearer token or session cookie is not valid (sessions end when the server restarts); "
                    + "send the right token or sign in again at /ui/login",
                details: ["reason": "invalid_credentials", "sign_in": .string(AuthRoutes.loginPath)],
                headers: headers)
        }
        headers[.wwwAuthenticate] = #"Bearer realm="cracktrader""#
        return APIError(
            status: .unauthorized, code: "AUTH_REQUIRED",
            message: "this server needs a token: send Authorization: Bearer <token>, or sign in at /ui/login",
            details: ["reason": "missing_credentials", "sign_in": .string(AuthRoutes.loginPath)],
            headers: headers)
    }
}
