import HTTPTypes
import Hummingbird
import NIOCore
import Storage
import Sweep
import TradingCore

/// The Sweep module's canonical JSON (ints stay ints, keys sorted), as opposed to the server's
/// `JSONValue`: sweep documents are built and sent in this form so a cell's bytes are exactly
/// those of `cracktrader sweep --json`.
typealias SweepJSON = Sweep.JSONValue

/// The body of `POST /api/v1/sweeps`, validated: a sweep config as `docs/sweeps.md` describes
/// it, read from the server's own data (`exchange` + `start`/`end`, never files), and an
/// optional `name`. `strategy` names a built-in or a saved script (whose newest version is
/// swept, its source inline as a plan carries it); `script: {"source", "path"}` gives one inline.
struct SweepRequest: Sendable {
    /// The saved script a sweep's `strategy` named, as it was when the sweep started.
    struct SavedScript: Sendable, Hashable {
        let name: String
        let version: Int
        let sha256: String
        let source: String
    }

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
    /// Set when `strategy` named a saved script.
    var savedScript: SavedScript? = nil

    /// Reads the request body: 415 unless JSON, 413 past 1 MiB, 400 `INVALID_JSON` when it is
    /// not a JSON object, 400 `VALIDATION_ERROR` naming the field for everything the config
    /// parser refuses.
    static func read(_ request: Request, scripts: ScriptStore?) async throws -> SweepRequest {
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
        let root = try parseRoot(Array(buffer.readableBytesView))
        guard let scripts, case .string(let strategy)? = root["strategy"]?.value, root["script"] == nil,
              !StrategyRegistry.names.contains(strategy)
        else { return try parse(root: root) }
        // Not a built-in: a saved script of that name, or an error listing both kinds.
        let saved: SavedScript?
        let names: [String]
        do {
            if ScriptNameRule.problem(strategy) == nil, let record = try await scripts.script(named: strategy) {
                saved = SavedScript(name: record.info.name, version: record.info.version, sha256: record.info.sha256, source: record.source)
                names = []
            } else {
                saved = nil
                names = try await scripts.list().map(\.name)
            }
        } catch {
            throw APIError.storageFailure(error, message: "the saved scripts could not be read")
        }
        return try parse(root: root, savedScript: saved, scriptNames: names)
    }

    /// Validates body bytes (see `read`), with built-in strategies only.
    static func parse(_ bytes: [UInt8]) throws(APIError) -> SweepRequest {
        try parse(root: try parseRoot(bytes))
    }

    static func parseRoot(_ bytes: [UInt8]) throws(APIError) -> ConfigNode {
        let root: ConfigNode
        do {
            root = try ConfigNode.parseJSON(bytes, file: nil)
        } catch {
            throw APIError.invalidJSON(error.line.map { "line \($0): \(error.message)" } ?? error.message)
        }
        guard case .object = root.value else { throw APIError.invalidJSON("the body must be a JSON object (a sweep config)") }
        return root
    }

    /// Validates a parsed body. With `savedScript`, `strategy` is swapped for the script's source
    /// inline, and what the config parser says about `script` is said about `strategy`, the
    /// field the user wrote; `scriptNames` join the built-ins when `strategy` names neither.
    static func parse(root: ConfigNode, savedScript: SavedScript? = nil, scriptNames: [String] = []) throws(APIError) -> SweepRequest {
        guard case .object(var members) = root.value else { throw APIError.invalidJSON("the body must be a JSON object (a sweep config)") }
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
        members.removeAll { $0.key == "name" }
        if let savedScript, let index = members.firstIndex(where: { $0.key == "strategy" }) {
            let line = members[index].node.line
            members[index] = (key: "script", node: ConfigNode(.object([
                (key: "path", node: ConfigNode(.string(savedScript.name + ".pine"), line: line)),
                (key: "source", node: ConfigNode(.string(savedScript.source), line: line)),
            ]), line: line))
        }
        let config: SweepConfig
        do {
            config = try SweepConfig(node: ConfigNode(.object(members), line: root.line))
        } catch {
            var field = error.field ?? "config"
            var message = error.message
            if savedScript != nil, field == "script" || field.hasPrefix("script.") {
                field = "strategy"
            } else if field == "strategy", !scriptNames.isEmpty, case .string(let strategy)? = root["strategy"]?.value,
                      !StrategyRegistry.names.contains(strategy) {
                message += "; saved scripts: \(scriptNames.joined(separator: ", "))"
            }
            throw invalid(field, message)
        }
        guard case .exchange(let exchange) = config.data else { throw invalid("data", refusedFields["data"]!) }
        return SweepRequest(config: config, name: name, exchange: exchange, savedScript: savedScript)
    }

    /// 400 `VALIDATION_ERROR` naming `field` (as `details.field` and in `details.fields`, like
    /// the other routes' validation errors).
    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(
            status: .badRequest, code: "VALIDATION_ERROR", message: "\(field): \(message)",
            details: ["field": .string(field), "fields": .object([field: .string(message)])])
    }
}
