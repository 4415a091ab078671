import HTTPTypes
import Hummingbird
import NIOCore

/// `/ui` and everything under it, plus the `/` redirect.
struct WebUIRoutes {
    let store: AssetStore

    func register(on routes: inout RouteRegistrar) throws {
        try routes.add(.get, "/") { _, _ in
            var headers = HTTPFields()
            headers[.location] = "/ui"
            headers[.contentLength] = "0"
            return Response(status: .found, headers: headers)
        }
        // Hummingbird treats `/ui` and `/ui/` as one route.
        try routes.add(.get, "/ui") { request, _ in try serve(relativePath: "", request: request) }
        try routes.add(.get, "/ui/**") { request, context in
            let relativePath = context.parameters.getCatchAll().joined(separator: "/")
            return try serve(relativePath: relativePath, request: request)
        }
    }

    func serve(relativePath: String, request: Request) throws -> Response {
        guard let asset = store.asset(at: relativePath) else {
            throw APIError.notFound("no dashboard file at /ui/\(relativePath)", details: ["path": .string(request.uri.path)])
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.entityTag
        headers[.cacheControl] = asset.cacheControl
        headers[.vary] = "Accept-Encoding"
        if let ifNoneMatch = request.headers[.ifNoneMatch], Self.matches(ifNoneMatch, entityTag: asset.entityTag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        let body: ByteBuffer
        if let gzip = asset.gzipBytes, AcceptEncoding.allowsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            body = gzip
        } else {
            body = asset.identityBytes
        }
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// `If-None-Match` uses weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored; `*` matches.
    static func matches(_ header: String, entityTag: String) -> Bool {
        let ours = entityTag.hasPrefix("W/") ? String(entityTag.dropFirst(2)) : entityTag
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingSpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
            if tag == ours { return true }
        }
        return false
    }
}
