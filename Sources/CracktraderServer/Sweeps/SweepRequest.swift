import HTTPTypes
import Hummingbird
import NIOCore
import Sweep
import TradingCore

/// The Sweep module's canonical JSON (ints stay ints, keys sorted), as opposed to the server's
/// `JSONValue`: sweep documents are built and sent in this form so a cell's bytes are exactly
/// those of `cracktrader sweep --json`.
typealias SweepJSON = Sweep.JSONValue

/// The body of `POST /api/v1/sweeps`, validated: a sweep config as `docs/sweeps.md` describes
/// it, read from the server's own data (`exchange` + `start`/`end`, never files), and an
/// optional `name`.
struct SweepRequest: Sendable {
    static let maximumNameLength = 100
    /// Fields a file config has that the API refuses: the server reads its own candle store.
    static let refusedFields: [String: String] = [
        "data": "the server reads its own candle store, not files; use exchange with start and end (import candles with cracktrader data import)",
        "data_dir": "the server uses its own data directory; leave data_dir out",
        "exchange_config": "sweeps run on stored or simulated candles and take no exchange credentials; leave exchange_config out",
    ]

    let config: SweepConfig
    let name: String?
    /// The exchange the bars come from (lower case).
    let exchange: String

    /// Reads the request body: 415 unless JSON, 413 past 1 MiB, 400 `INVALID_JSON` when it is
    /// not a JSON object, 400 `VALIDATION_ERROR` naming the field for everything the config
    /// parser refuses.
    static func read(_ request: Request) async throws -> SweepRequest {
        let contentType = request.headers[.contentType]
        guard let contentType, Request.isJSON(contentType) else { throw APIError.unsupportedMediaType(contentType) }
        var body = request.body
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: APILimits.maximumJSONBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        }
        guard buffer.readableBytes > 0 else { throw APIError.invalidJSON("the body is empty") }
        return try parse(Array(buffer.readableBytesView))
    }

    /// Validates body bytes (see `read`).
    static func parse(_ bytes: [UInt8]) throws(APIError) -> SweepRequest {
        let root: ConfigNode
        do {
            root = try ConfigNode.parseJSON(bytes, file: nil)
        } catch {
            throw APIError.invalidJSON(error.line.map { "line \($0): \(error.message)" } ?? error.message)
        }
        guard case .object(let members) = root.value else { throw APIError.invalidJSON("the body must be a JSON object (a sweep config)") }
        for member in members {
            if let reason = refusedFields[member.key] { throw invalid(member.key, reason) }
        }
        var name: String?
        if let node = root["name"] {
            guard case .string(let text) = node.value, !text.isEmpty, text.count <= maximumNameLength else {
                throw invalid("name", "must be a string of 1 to \(maximumNameLength) characters")
            }
            name = text
        }
        let rest = ConfigNode(.object(members.filter { $0.key != "name" }), line: root.line)
        let config: SweepConfig
        do {
            config = try SweepConfig(node: rest)
        } catch {
            throw invalid(error.field ?? "config", error.message)
        }
        guard case .exchange(let exchange) = config.data else { throw invalid("data", refusedFields["data"]!) }
        return SweepRequest(config: config, name: name, exchange: exchange)
    }

    /// 400 `VALIDATION_ERROR` naming `field` (as `details.field` and in `details.fields`, like
    /// the other routes' validation errors).
    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(
            status: .badRequest, code: "VALIDATION_ERROR", message: "\(field): \(message)",
            details: ["field": .string(field), "fields": .object([field: .string(message)])])
    }
}
