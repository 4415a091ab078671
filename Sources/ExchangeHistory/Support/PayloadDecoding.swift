#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MarketData

/// JSON decoding shared by the venue adapters (FoundationEssentials' `JSONDecoder`, no ICU).
enum Payload {
    /// Decodes `T`, turning any decoding error into a `.malformed` `VenueFailure`.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8], venue: String) throws(VenueFailure) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw VenueFailure(.malformed, "\(venue): unexpected response payload (\(describe(error))): \(snippet(body))")
        }
    }

    /// Decodes `T` or returns `nil` (for optional error envelopes).
    static func decodeIfPossible<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(body))
    }

    /// A decimal string field as `Double`.
    static func decimal(_ text: String, field: String, venue: String) throws(VenueFailure) -> Double {
        guard let value = DecimalParser.parse(text) else {
            throw VenueFailure(.malformed, "\(venue): field \(field) is not a decimal number: '\(text)'")
        }
        return value
    }

    /// A millisecond timestamp carried as a decimal integer string.
    static func integer(_ text: String, field: String, venue: String) throws(VenueFailure) -> Int64 {
        guard let value = Int64(text) else {
            throw VenueFailure(.malformed, "\(venue): field \(field) is not an integer: '\(text)'")
        }
        return value
    }

    /// The first 200 characters of a body, for error messages.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return body.count > 200 ? text + "…" : text
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// A JSON value that is either a string or a number, read as text (venues mix both).
struct LooseScalar: Decodable, Sendable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
    }
}

/// Keys for objects whose keys are data (Kraken's `result`).
struct DynamicKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
