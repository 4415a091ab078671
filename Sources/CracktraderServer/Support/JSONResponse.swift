import HTTPTypes
import Hummingbird

/// Builds JSON responses with an exact `Content-Length` and `Cache-Control: no-store`:
/// API state changes from one second to the next.
enum JSONResponse {
    static func ok(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let body = try JSONCoding.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
