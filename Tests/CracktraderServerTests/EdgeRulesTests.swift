import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("Edge rules")
struct EdgeRulesTests {
    /// A POST route that reads a JSON body through the standard decoder, for 413/415/400.
    static let echoRoute = RouteRegistration(RouteDescriptor(method: .post, path: "/api/v1/test/echo", isListed: false)) { request, context in
        struct Echo: Codable { let name: String; let count: Int }
        let echo = try await request.decodeJSON(as: Echo.self, context: context)
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(echo.name):\(echo.count)")))
    }

    /// A route that fails with an error the API does not know, for the 500 envelope.
    static let failingRoute = RouteRegistration(RouteDescriptor(method: .get, path: "/api/v1/test/fail", isListed: false)) { _, _ in
        struct SecretInternalFailure: Error { let detail = "database password is hunter2" }
        throw SecretInternalFailure()
    }

    func withEdgeApp(
        configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withTestApplication(configure: { configuration in
            configuration.additionalRoutes = [Self.echoRoute, Self.failingRoute]
            configure(&configuration)
        }, body)
    }

    @Test("unknown route: 404 envelope with the version header")
    func notFound() async throws {
        try await withEdgeApp { client in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.apiVersionHeader] == "v1")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(String(buffer: response.body) == envelope(
                    code: "NOT_FOUND", message: "no route for GET /api/v1/nothing-here",
                    details: #"{"path":"/api/v1/nothing-here"}"#))
            }
        }
    }

    @Test("wrong method: 405 with Allow")
    func methodNotAllowed() async throws {
        try await withEdgeApp { client in
            try await client.execute(uri: "/api/v1/health", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
                #expect(response.headers[.apiVersionHeader] == "v1")
                #expect(String(buffer: response.body) == envelope(
                    code: "METHOD_NOT_ALLOWED", message: "DELETE is not allowed on /api/v1/health; allowed: GET, HEAD",
                    details: #"{"allowed":["GET","HEAD"],"method":"DELETE"}"#))
            }
        }
    }

    @Test("oversized Content-Length: 413 without reading the body")
    func payloadTooLargeByHeader() async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            // The router test client sets Content-Length from the body; a body just over the cap.
            let body = ByteBuffer(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.apiVersionHeader] == "v1")
                #expect(String(buffer: response.body) == envelope(
                    code: "PAYLOAD_TOO_LARGE", message: "request body is larger than 1048576 bytes",
                    details: #"{"limit_bytes":1048576}"#))
            }
        }
    }

    @Test("exactly 1 MiB is accepted by the size rule")
    func payloadAtLimit() async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let json = #"{"name":"a","count":1}"#
            var body = ByteBuffer(string: json)
            body.writeRepeatingByte(UInt8(ascii: " "), count: (1 << 20) - json.utf8.count)
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "a:1")
            }
        }
    }

    @Test("non-JSON body on a JSON endpoint: 415")
    func unsupportedMediaType() async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain"
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: ByteBuffer(string: "hi")) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(String(buffer: response.body) == envelope(
                    code: "UNSUPPORTED_MEDIA_TYPE", message: "this endpoint takes a JSON body; send Content-Type: application/json",
                    details: #"{"accepted":["application/json"],"content_type":"text/plain"}"#))
            }
        }
    }

    @Test("malformed JSON and missing fields: 400 INVALID_JSON naming the field")
    func invalidJSON() async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: ByteBuffer(string: "{nope")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == envelope(
                    code: "INVALID_JSON", message: "request body is not valid JSON for this endpoint: the body is not well-formed JSON",
                    details: #"{"reason":"the body is not well-formed JSON"}"#))
            }
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"x"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == envelope(
                    code: "INVALID_JSON", message: "request body is not valid JSON for this endpoint: the field 'count' is required",
                    details: #"{"field":"count","reason":"the field 'count' is required"}"#))
            }
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"x","count":"many"}"#)) { response in
                #expect(response.status == .badRequest)
                let body = String(buffer: response.body)
                #expect(body == envelope(
                    code: "INVALID_JSON", message: "request body is not valid JSON for this endpoint: a value has the wrong type; expected a number",
                    details: #"{"field":"count","reason":"a value has the wrong type; expected a number"}"#))
            }
        }
    }

    @Test("unexpected failure: 500 INTERNAL_ERROR with nothing leaked")
    func internalError() async throws {
        try await withEdgeApp { client in
            try await client.execute(uri: "/api/v1/test/fail", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.apiVersionHeader] == "v1")
                let body = String(buffer: response.body)
                #expect(body == envelope(code: "INTERNAL_ERROR", message: "internal server error; the server log has the cause"))
                #expect(!body.contains("hunter2") && !body.contains("SecretInternalFailure"))
            }
        }
    }

    @Test("foreign Host: 403 HOST_NOT_ALLOWED", arguments: ["evil.example", "evil.example:8080", "localhost:9999", "127.0.0.1.evil.example"])
    func foreignHost(host: String) async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.literalHost] = host
            try await client.execute(uri: "/api/v1/health", method: .get, headers: headers) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.apiVersionHeader] == "v1")
                #expect(String(buffer: response.body) == envelope(
                    code: "HOST_NOT_ALLOWED",
                    message: "Host '\(host)' is not allowed; use a loopback address or start the server with --allowed-host",
                    details: #"{"host":"\#(host)"}"#))
            }
        }
    }

    @Test("--allowed-host admits a name")
    func allowedHost() async throws {
        try await withEdgeApp(configure: { $0.allowedHosts = ["trader.lan"] }) { client in
            var headers = HTTPFields()
            headers[.literalHost] = "trader.lan"
            try await client.execute(uri: "/api/v1/health", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("state-changing request from a foreign Origin: 403 ORIGIN_NOT_ALLOWED; reads stay open")
    func foreignOrigin() async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.origin] = "https://evil.example"
            headers[.contentType] = "application/json"
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"a","count":1}"#)) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body) == envelope(
                    code: "ORIGIN_NOT_ALLOWED", message: "requests from origin 'https://evil.example' are not allowed",
                    details: #"{"origin":"https://evil.example"}"#))
            }
            headers[.origin] = "http://localhost"
            try await client.execute(uri: "/api/v1/test/echo", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"a","count":1}"#)) { response in
                #expect(response.status == .ok)
            }
            headers[.origin] = "https://evil.example"
            try await client.execute(uri: "/api/v1/health", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.allowOriginHeader] == nil)
            }
        }
    }

    @Test("WebSocket upgrade with a foreign Origin: 403 from the edge")
    func foreignOriginUpgrade() async throws {
        try await withEdgeApp { client in
            var headers = HTTPFields()
            headers[.origin] = "https://evil.example"
            headers[.upgrade] = "websocket"
            headers[.connection] = "Upgrade"
            try await client.execute(uri: "/api/v1/ws/status", method: .get, headers: headers) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.apiVersionHeader] == "v1")
                #expect(String(buffer: response.body).contains(#""code":"ORIGIN_NOT_ALLOWED""#))
            }
        }
    }

    @Test("no CORS headers by default; --cors-origin enables exactly one origin")
    func cors() async throws {
        try await withEdgeApp(configure: { $0.corsOrigin = "https://tools.example" }) { client in
            var headers = HTTPFields()
            headers[.origin] = "https://tools.example"
            try await client.execute(uri: "/api/v1/health", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.allowOriginHeader] == "https://tools.example")
            }
            headers[HTTPField.Name("Access-Control-Request-Method")!] = "POST"
            try await client.execute(uri: "/api/v1/test/echo", method: .options, headers: headers) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[HTTPField.Name("Access-Control-Allow-Methods")!] == "GET, POST, DELETE, OPTIONS")
                #expect(response.headers[.apiVersionHeader] == "v1")
            }
            var other = HTTPFields()
            other[.origin] = "https://other.example"
            try await client.execute(uri: "/api/v1/health", method: .get, headers: other) { response in
                #expect(response.headers[.allowOriginHeader] == nil)
            }
        }
    }

    @Test("HEAD answers like GET without a body")
    func head() async throws {
        try await withEdgeApp { client in
            let getLength = try await client.execute(uri: "/api/v1/meta", method: .get) { $0.headers[.contentLength] }
            try await client.execute(uri: "/api/v1/meta", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.contentLength] == getLength)
                #expect(response.headers[.apiVersionHeader] == "v1")
            }
        }
    }
}
