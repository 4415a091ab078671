import HTTPTypes
import Hummingbird
import NIOCore
import TradingCore

/// The one error type of the HTTP API. It renders the standard envelope itself:
/// `{"error": {"code": "...", "message": "...", "details": {...}}}`.
///
/// Routes throw it; the edge middleware turns every other error into one of these, so no route
/// formats an error by hand and no internal type name reaches a client.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// Stable UPPER_SNAKE_CASE code clients branch on.
    public let code: String
    public let message: String
    public let details: [String: JSONValue]
    /// Extra response headers (`Allow` for 405).
    public let headers: HTTPFields

    public init(
        status: HTTPResponse.Status, code: String, message: String, details: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        makeResponse()
    }

    /// The envelope as a response, with `Content-Type: application/json`.
    func makeResponse() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = envelopeBody()
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The envelope's JSON bytes, keys sorted.
    func envelopeBody() -> ByteBuffer {
        let envelope = Envelope(error: .init(code: code, message: message, details: details))
        return (try? JSONCoding.encode(envelope))
            ?? ByteBuffer(string: #"{"error":{"code":"INTERNAL_ERROR","details":{},"message":"internal error"}}"#)
    }

    private struct Envelope: Encodable {
        struct Body: Encodable {
            let code: String
            let message: String
            let details: [String: JSONValue]
        }
        let error: Body
    }
}

extension APIError {
    static func notFound(_ message: String, details: [String: JSONValue] = [:]) -> APIError {
        APIError(status: .notFound, code: "NOT_FOUND", message: message, details: details)
    }

    static func methodNotAllowed(method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        let names = allowed.map(\.rawValue)
        var headers = HTTPFields()
        headers[.allow] = names.joined(separator: ", ")
        return APIError(
            status: .methodNotAllowed, code: "METHOD_NOT_ALLOWED",
            message: "\(method.rawValue) is not allowed on \(path); allowed: \(names.joined(separator: ", "))",
            details: ["method": .string(method.rawValue), "allowed": .array(names.map(JSONValue.string))],
            headers: headers)
    }

    /// With `Connection: close`: the rest of the body is not worth reading, and the connection
    /// is closed cleanly once the answer is written (see `ResponseCompletionHandler`).
    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "PAYLOAD_TOO_LARGE",
            message: "request body is larger than \(limit) bytes", details: ["limit_bytes": .number(Double(limit))],
            headers: [.connection: "close"])
    }

    static func unsupportedMediaType(_ received: String?) -> APIError {
        APIError(
            status: .unsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
            message: "this endpoint takes a JSON body; send Content-Type: application/json",
            details: ["content_type": received.map(JSONValue.string) ?? .null, "accepted": ["application/json"]])
    }

    static func invalidJSON(_ reason: String, path: String? = nil) -> APIError {
        var details: [String: JSONValue] = ["reason": .string(reason)]
        if let path { details["field"] = .string(path) }
        return APIError(status: .badRequest, code: "INVALID_JSON", message: "request body is not valid JSON for this endpoint: \(reason)", details: details)
    }

    static let internalError = APIError(
        status: .internalServerError, code: "INTERNAL_ERROR", message: "internal server error; the server log has the cause")

    static func hostNotAllowed(_ host: String?) -> APIError {
        APIError(
            status: .forbidden, code: "HOST_NOT_ALLOWED",
            message: "Host '\(host ?? "")' is not allowed; use a loopback address or start the server with --allowed-host",
            details: ["host": host.map(JSONValue.string) ?? .null])
    }

    static func originNotAllowed(_ origin: String) -> APIError {
        APIError(
            status: .forbidden, code: "ORIGIN_NOT_ALLOWED",
            message: "requests from origin '\(origin)' are not allowed", details: ["origin": .string(origin)])
    }

    /// Maps a domain error from the engine onto the API's codes.
    init(_ error: TradingError) {
        var details: [String: JSONValue] = [:]
        for (key, value) in error.details {
            switch value {
            case .text(let text): details[key] = .string(text)
            case .list(let items): details[key] = .array(items.map(JSONValue.string))
            case .number(let number): details[key] = .number(number)
            }
        }
        let status: HTTPResponse.Status = error.code == .dataUnavailable ? .unprocessableContent : .badRequest
        self.init(status: status, code: error.code.rawValue, message: error.message, details: details)
    }
}
