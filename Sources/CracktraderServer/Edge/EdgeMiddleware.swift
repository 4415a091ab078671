import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Storage

/// The rules every response obeys, whatever route (or no route) served it:
/// `Host` and `Origin` checks, the body-size cap, CORS, the error envelope, the version header,
/// security headers, deprecation headers and bodiless `HEAD` answers.
///
/// It is the first middleware on the router, so it also wraps the router's not-found responder.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let hostPolicy: HostPolicy
    let catalogBox: CatalogBox
    let state: ServerState
    /// Token buckets of state-changing requests per client address (see `RateLimiter`).
    let rateLimiter: RateLimiter

    private var catalog: RouteCatalog { catalogBox.catalog }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        state.countRequest()
        let started = ContinuousClock.now
        var response: Response
        do {
            try checkHost(request)
            try checkOrigin(request)
            if let preflight = corsPreflight(request) {
                response = preflight
            } else {
                try checkRateLimit(request, context: context)
                try checkContentLength(request)
                response = try await next(request, context)
            }
        } catch {
            response = envelope(for: error, request: request, context: context).makeResponse()
        }
        decorate(&response, request: request, context: context)
        state.metrics.recordRequest(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: response.status.code,
            duration: ContinuousClock.now - started)
        return response
    }

    // MARK: Checks

    private func checkHost(_ request: Request) throws(APIError) {
        let port = state.boundPort
        // Check every claim of the target host: the HTTP/1 Host header becomes `authority`, and a
        // second literal Host field must not slip past.
        var claimed: [String] = request.head.authority.map { [$0] } ?? []
        claimed += request.headers[values: .hostField]
        guard !claimed.isEmpty else { throw APIError.hostNotAllowed(nil) }
        for host in claimed where !hostPolicy.allowsHost(host, boundPort: port) {
            throw APIError.hostNotAllowed(host)
        }
    }

    private func checkOrigin(_ request: Request) throws(APIError) {
        guard let origin = request.headers[.origin] else { return }
        let isStateChanging = ![.get, .head, .options].contains(request.method)
        let isUpgrade = request.headers[.upgrade] != nil
        guard isStateChanging || isUpgrade else { return }
        if !hostPolicy.allowsOrigin(origin, boundPort: state.boundPort) {
            throw APIError.originNotAllowed(origin)
        }
    }

    private func checkRateLimit(_ request: Request, context: Context) throws(APIError) {
        // Every socket has a peer address; only in-process test requests have none.
        guard RateLimiter.limits(request.method), let client = context.clientAddress,
            let retryAfter = rateLimiter.take(client: client)
        else { return }
        state.metrics.recordRateLimited()
        throw APIError.rateLimited(retryAfter: retryAfter, limiter: rateLimiter)
    }

    private func checkContentLength(_ request: Request) throws(APIError) {
        guard let value = request.headers[.contentLength] else { return }
        // An unparsable or huge length is refused before a single body byte is read.
        guard let length = Int(value), length <= APILimits.maximumJSONBodyBytes else {
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        }
    }

    private func corsPreflight(_ request: Request) -> Response? {
        guard request.method == .options, let corsOrigin = hostPolicy.corsOrigin,
            let origin = request.headers[.origin], HostPolicy.normalizedOrigin(origin) == corsOrigin,
            request.headers[.accessControlRequestMethod] != nil
        else { return nil }
        var headers = HTTPFields()
        headers[.accessControlAllowMethods] = "GET, POST, DELETE, OPTIONS"
        headers[.accessControlAllowHeaders] = "Content-Type, Idempotency-Key"
        headers[.accessControlMaxAge] = "600"
        headers[.contentLength] = "0"
        return Response(status: .noContent, headers: headers)
    }

    // MARK: Errors

    private func envelope(for error: any Error, request: Request, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as StorageError where error.isUnavailable:
            context.logger.warning("storage unavailable", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return .storageUnavailable(error)
        case let error as HTTPError where error.status == .notFound:
            let path = request.uri.path
            let allowed = catalog.allowedMethods(forPath: path)
            if !allowed.isEmpty && !allowed.contains(request.method) {
                return .methodNotAllowed(method: request.method, path: path, allowed: allowed)
            }
            return .notFound("no route for \(request.method.rawValue) \(path)", details: ["path": .string(path)])
        case let error as HTTPError where error.status == .contentTooLarge:
            return .payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        case is NIOTooManyBytesError:
            // A chunked body past the cap (no Content-Length to refuse it by).
            return .payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        case let error as HTTPError where (400..<500).contains(error.status.code):
            return APIError(
                status: error.status, code: Self.code(for: error.status),
                message: error.status.reasonPhrase.lowercased())
        default:
            context.logger.error(
                "unhandled error",
                metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return .internalError
        }
    }

    /// `Unprocessable Content` → `UNPROCESSABLE_CONTENT`.
    private static func code(for status: HTTPResponse.Status) -> String {
        status.reasonPhrase.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
    }

    // MARK: Headers

    private func decorate(_ response: inout Response, request: Request, context: Context) {
        EdgeHeaderValues.applyCommon(to: &response.headers)
        if let corsOrigin = hostPolicy.corsOrigin, let origin = request.headers[.origin],
            HostPolicy.normalizedOrigin(origin) == corsOrigin
        {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        if let pattern = context.endpointPath, let deprecation = catalog.deprecation(method: request.method, pattern: pattern) {
            response.headers[.deprecation] = deprecation.deprecationHeader
            response.headers[.sunset] = deprecation.sunsetHeader
            response.headers[.link] = deprecation.linkHeader
        }
        if request.method == .head {
            // Keep Content-Length (what GET would send) and drop the bytes. Assigning `body` would
            // rewrite Content-Length to 0, so the response is rebuilt around the same headers.
            response = Response(status: response.status, headers: response.headers, body: .init())
        }
    }
}
