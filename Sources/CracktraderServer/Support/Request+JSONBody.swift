#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import NIOCore

extension Request {
    /// Reads and decodes a JSON body with the edge's rules: 415 `UNSUPPORTED_MEDIA_TYPE` unless the
    /// body is declared JSON, 413 `PAYLOAD_TOO_LARGE` past 1 MiB (even without a `Content-Length`),
    /// and 400 `INVALID_JSON` naming the offending field without internal type names.
    public func decodeJSON<Value: Decodable>(as type: Value.Type, context: AppRequestContext) async throws -> Value {
        let contentType = headers[.contentType]
        guard let contentType, Self.isJSON(contentType) else {
            throw APIError.unsupportedMediaType(contentType)
        }
        var body = self.body
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: APILimits.maximumJSONBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        } catch is NIOTooManyBytesError {
            // A chunked body past the cap.
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        }
        guard buffer.readableBytes > 0 else { throw APIError.invalidJSON("the body is empty") }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw APIError.invalidJSON("the body could not be parsed")
        }
    }

    /// `application/json` or any `+json` type, parameters (charset) ignored.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    private static func describe(_ error: DecodingError) -> APIError {
        func path(_ codingPath: [any CodingKey]) -> String? {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .invalidJSON("the body is not well-formed JSON") }
            return .invalidJSON("a value is malformed", path: path(context.codingPath))
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key]) ?? key.stringValue
            return .invalidJSON("the field '\(field)' is required", path: field)
        case .typeMismatch(let type, let context):
            return .invalidJSON("a value has the wrong type; expected \(Self.jsonTypeName(type))", path: path(context.codingPath))
        case .valueNotFound(let type, let context):
            return .invalidJSON("a value is null; expected \(Self.jsonTypeName(type))", path: path(context.codingPath))
        @unknown default:
            return .invalidJSON("the body does not match this endpoint")
        }
    }

    /// JSON's vocabulary for a Swift type, so no internal type name reaches a client.
    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is Double.Type, is Float.Type, is UInt.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "an array" }
            return "an object"
        }
    }
}
