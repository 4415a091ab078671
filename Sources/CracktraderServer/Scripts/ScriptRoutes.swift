import HTTPTypes
import Hummingbird
import MarketData
import NIOCore
import PineScript
import Storage
import TradingCore

/// `/api/v1/scripts…` (saved Pine scripts and their versions, the compile check) and
/// `/api/v1/runs/{id}/trades.csv` (a script run's TradingView trade list).
struct ScriptRoutes {
    let library: ScriptLibrary
    let runs: RunStore
    let now: @Sendable () -> Int64

    func register(on routes: inout RouteRegistrar) throws {
        let library = self.library
        let runs = self.runs
        let now = self.now
        try routes.add(.get, "/api/v1/scripts") { _, _ in
            let scripts = try await library.store.list()
            var documents: [ScriptDocument] = []
            for info in scripts {
                guard let record = try await library.store.script(named: info.name) else { continue }
                documents.append(ScriptDocument(info: info, analysis: library.analyse(record.source)))
            }
            return try JSONResponse.ok(ScriptListDocument(scripts: documents))
        }
        try routes.add(.post, "/api/v1/scripts") { request, context in
            let body = try await request.decodeJSON(as: [String: JSONValue].self, context: context)
            let (name, source) = try Self.fields(body, requireName: true)
            try ScriptLibrary.checkName(name)
            try ScriptLibrary.checkSize(source)
            guard let record = try await library.store.create(name: name, source: source, at: now()) else {
                let existing = try await library.store.script(named: name)?.info.name ?? name
                throw APIError(
                    status: .conflict, code: "SCRIPT_EXISTS",
                    message: "a script named '\(existing)' already exists (names are compared without case); save a new version with PUT /api/v1/scripts/{name}",
                    details: ["name": .string(existing)])
            }
            let document = ScriptDocument(info: record.info, analysis: library.analyse(record.source), source: record.source, savedNewVersion: true)
            return try JSONResponse.ok(document, status: .created)
        }
        try routes.add(.post, "/api/v1/scripts/check") { request, context in
            let body = try await request.decodeJSON(as: [String: JSONValue].self, context: context)
            let (_, source) = try Self.fields(body, requireName: false)
            try ScriptLibrary.checkSize(source)
            // Not cached: the check answers for exactly this text, on every keystroke pause.
            let diagnostics = PineProgram.check(source: source)
            return try JSONResponse.ok(CheckDocument(diagnostics: diagnostics.map(DiagnosticDocument.init)))
        }
        try routes.add(.get, "/api/v1/scripts/{name}") { _, context in
            let name = Self.name(context)
            guard let record = try await library.store.script(named: name) else { throw ScriptLibrary.unknownScript(name) }
            return try JSONResponse.ok(ScriptDocument(info: record.info, analysis: library.analyse(record.source), source: record.source))
        }
        try routes.add(.put, "/api/v1/scripts/{name}") { request, context in
            let name = Self.name(context)
            let body = try await request.decodeJSON(as: [String: JSONValue].self, context: context)
            let (_, source) = try Self.fields(body, requireName: false)
            try ScriptLibrary.checkSize(source)
            guard let (record, created) = try await library.store.update(name: name, source: source, at: now()) else {
                throw ScriptLibrary.unknownScript(name)
            }
            return try JSONResponse.ok(ScriptDocument(
                info: record.info, analysis: library.analyse(record.source), source: record.source, savedNewVersion: created))
        }
        try routes.add(.delete, "/api/v1/scripts/{name}") { _, context in
            let name = Self.name(context)
            guard let record = try await library.store.script(named: name) else { throw ScriptLibrary.unknownScript(name) }
            _ = try await library.store.delete(name: name)
            return try JSONResponse.ok(DeletedScript(name: record.info.name, deleted: true))
        }
        try routes.add(.get, "/api/v1/scripts/{name}/versions") { _, context in
            let name = Self.name(context)
            guard let record = try await library.store.script(named: name),
                  let versions = try await library.store.versions(name: name) else { throw ScriptLibrary.unknownScript(name) }
            return try JSONResponse.ok(ScriptVersionListDocument(name: record.info.name, versions: versions.map(ScriptVersionDocument.init)))
        }
        try routes.add(.get, "/api/v1/scripts/{name}/versions/{version}") { _, context in
            let name = Self.name(context)
            let text = context.parameters.get("version") ?? ""
            guard let number = Int(text), number >= 1 else {
                throw APIError(
                    status: .badRequest, code: "VALIDATION_ERROR", message: "the version must be a whole number ≥ 1, got '\(text)'",
                    details: ["fields": ["version": "must be a whole number ≥ 1"]])
            }
            guard try await library.store.script(named: name) != nil else { throw ScriptLibrary.unknownScript(name) }
            guard let version = try await library.store.version(name: name, number: number) else {
                let latest = try await library.store.script(named: name)?.info.version ?? 0
                throw APIError(
                    status: .notFound, code: "UNKNOWN_SCRIPT_VERSION",
                    message: "script '\(name)' has no version \(number); its versions are 1…\(latest)",
                    details: ["name": .string(name), "version": .number(Double(number)), "latest_version": .number(Double(latest))])
            }
            return try JSONResponse.ok(ScriptVersionDocument(version))
        }
        try routes.add(.get, "/api/v1/runs/{id}/trades.csv") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let run = try await runs.run(id: id) else { throw RunRoutes.runNotFound(id) }
            let zoneName = request.uri.queryParameters["timezone"].map(String.init) ?? "UTC"
            let zone: TimeZoneRules
            do {
                zone = try TimeZoneRules(named: zoneName)
            } catch {
                throw APIError(
                    status: .badRequest, code: "VALIDATION_ERROR",
                    message: "query parameter timezone must be an IANA zone name (America/New_York), UTC, or an offset such as -05:00",
                    details: ["fields": ["timezone": "is not a known time zone"]])
            }
            guard let script = try await library.store.run(id: id), let json = script.tradeListJSON else {
                throw APIError(
                    status: .notFound, code: "NO_TRADE_LIST",
                    message: "run \(id) has no TradingView trade list: it is kept for finished Pine script runs ('\(run.strategyName)')",
                    details: ["run_id": .string(id)])
            }
            let rows = (try? JSONDecoderBox.decode([ScriptTradeListRow].self, from: json)) ?? []
            let currency = ScriptResults.quoteCurrency(configJSON: run.configJSON)
            let text = PineTradeList(rows: rows.map(\.pineRow)).csv(currency: currency) { zone.offsetSeconds(atMilliseconds: $0) }
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(id)-trades.csv\""
            headers[.cacheControl] = "no-store"
            let buffer = ByteBuffer(string: text)
            headers[.contentLength] = String(buffer.readableBytes)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
    }

    /// `name` (when asked for) and `source` from a JSON body, each a string; every problem at once.
    static func fields(_ body: [String: JSONValue], requireName: Bool) throws(APIError) -> (String, String) {
        var problems: [(String, String)] = []
        var name = ""
        var source = ""
        if requireName {
            switch body["name"] {
            case .string(let text)?: name = text
            case nil, .null?: problems.append(("name", "is required"))
            default: problems.append(("name", "must be a string"))
            }
        }
        switch body["source"] {
        case .string(let text)?: source = text
        case nil, .null?: problems.append(("source", "is required"))
        default: problems.append(("source", "must be a string"))
        }
        let accepted: Set<String> = requireName ? ["name", "source"] : ["source"]
        for key in body.keys.sorted() where !accepted.contains(key) { problems.append((key, "is not an accepted field")) }
        guard problems.isEmpty else {
            var details: [String: JSONValue] = [:]
            for (field, reason) in problems { details[field] = .string(reason) }
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR",
                message: "invalid script request: " + problems.map { "\($0.0) \($0.1)" }.joined(separator: "; "),
                details: ["fields": .object(details)])
        }
        return (name, source)
    }

    /// The `{name}` path parameter, percent-decoded (`My%20RSI` → `My RSI`).
    static func name(_ context: AppRequestContext) -> String {
        percentDecoded(context.parameters.get("name") ?? "")
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(), let h = hex(high), let l = hex(low) {
                bytes.append(h << 4 | l)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
