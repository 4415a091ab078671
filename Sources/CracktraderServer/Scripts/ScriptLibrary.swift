import HTTPTypes
import PineScript
import Storage
import Synchronization
import TradingCore

/// What the server knows of a script's source after compiling it with its defaults: diagnostics,
/// the declaration, and its inputs as a parameter schema. Cached by content hash.
struct ScriptAnalysis: Sendable {
    let sha256: String
    let diagnostics: [PineDiagnostic]
    var compiles: Bool { !diagnostics.contains { $0.severity == .error } }
    let kind: String?
    let title: String?
    let overlay: Bool
    let initialCapital: Double?
    /// The inputs, in declaration order, as strategy parameters (`GET /strategies`, run validation).
    let parameters: [ScriptParameter]
    /// Whether the script can open a short position (a `strategy.short` use that
    /// `strategy.risk.allow_entry_in(strategy.direction.long)` does not rule out).
    let canShort: Bool
}

/// One input of a script as a run parameter.
struct ScriptParameter: Sendable {
    let spec: ParameterSpec
    let input: PineInputSpec
    /// Names the run accepts for it: the variable, and the title.
    var names: [String] { [spec.name] + (input.title != spec.name ? [input.title] : []) }
}

/// A saved script chosen for a run: the exact version, its source and the validated inputs.
struct ScriptSelection: Sendable {
    let name: String
    let version: Int
    let sha256: String
    let source: String
    let analysis: ScriptAnalysis
}

/// Saved Pine scripts as the server uses them: naming rules, size limit, compile cache.
final class ScriptLibrary: Sendable {
    let store: ScriptStore
    private let cache = Mutex<[String: ScriptAnalysis]>([:])

    /// Largest script source accepted by the API, in bytes of UTF-8 (the JSON body limit is 1 MiB).
    static let maximumSourceBytes = 512 * 1024
    static let cacheLimit = 256

    init(store: ScriptStore) {
        self.store = store
    }

    /// Compiles `source` with its defaults (or returns the cached analysis of the same text).
    func analyse(_ source: String) -> ScriptAnalysis {
        let hash = SHA256Digest.hex(source)
        if let cached = cache.withLock({ $0[hash] }) { return cached }
        let analysis = Self.compile(source, hash: hash)
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[hash] = analysis
        }
        return analysis
    }

    static func compile(_ source: String, hash: String) -> ScriptAnalysis {
        do {
            let program = try PineProgram(source: source)
            return ScriptAnalysis(
                sha256: hash, diagnostics: program.warnings, kind: program.declaration.kind.rawValue,
                title: program.declaration.title, overlay: program.declaration.overlay,
                initialCapital: program.declaration.kind == .strategy ? program.declaration.properties.initialCapital : nil,
                parameters: program.inputs.map(Self.parameter), canShort: Self.canShort(source))
        } catch {
            return ScriptAnalysis(
                sha256: hash, diagnostics: error.diagnostics, kind: nil, title: nil, overlay: true, initialCapital: nil,
                parameters: [], canShort: Self.canShort(source))
        }
    }

    /// The input as a parameter: `int`/`float`/`bool`/`string`, or `enum` when it has options
    /// (a `source` input's choices are the built-in price series).
    static func parameter(_ input: PineInputSpec) -> ScriptParameter {
        let name = input.variable ?? input.title
        let description = input.title
        let spec: ParameterSpec
        switch input.kind {
        case _ where !input.options.isEmpty:
            spec = ParameterSpec(name: name, type: .enum, defaultValue: .string(input.defaultValue), allowedValues: input.options, description: description)
        case .source:
            spec = ParameterSpec(name: name, type: .enum, defaultValue: .string(input.defaultValue), allowedValues: sourceChoices, description: description)
        case .int, .time:
            spec = ParameterSpec(
                name: name, type: .int, defaultValue: Int(input.defaultValue).map(ParameterValue.int), minimum: input.minimum,
                maximum: input.maximum, description: description)
        case .float, .price:
            spec = ParameterSpec(
                name: name, type: .float, defaultValue: Double(input.defaultValue).map(ParameterValue.float), minimum: input.minimum,
                maximum: input.maximum, description: description)
        case .bool:
            spec = ParameterSpec(name: name, type: .bool, defaultValue: .bool(input.defaultValue == "true"), description: description)
        case .string, .color, .timeframe, .session, .symbol:
            spec = ParameterSpec(name: name, type: .string, defaultValue: .string(input.defaultValue), description: description)
        }
        return ScriptParameter(spec: spec, input: input)
    }

    static let sourceChoices = ["open", "high", "low", "close", "hl2", "hlc3", "ohlc4", "hlcc4", "volume"]

    /// Text outside comments and string literals mentions `strategy.short`, and the script does not
    /// restrict entries to longs.
    static func canShort(_ source: String) -> Bool {
        var code = ""
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            var text = ""
            var quote: Character?
            var previous: Character = " "
            for character in line {
                if let open = quote {
                    if character == open && previous != "\\" { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "/" && previous == "/" {
                    text.removeLast()
                    break
                } else {
                    text.append(character)
                }
                previous = character
            }
            code += text + "\n"
        }
        let compact = code.filter { $0 != " " && $0 != "\t" }
        if compact.contains("strategy.risk.allow_entry_in(strategy.direction.long)") { return false }
        return code.contains("strategy.short")
    }

    // MARK: Names and sources

    /// Validates a new script's name: the storage rules, and not a built-in strategy's name.
    static func checkName(_ name: String) throws(APIError) {
        if let problem = ScriptNameRule.problem(name) {
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR", message: "invalid script: name \(problem)",
                details: ["fields": .object(["name": .string(problem)])])
        }
        if StrategyRegistry.names.contains(where: { $0.lowercased() == name.lowercased() }) {
            let reason = "is the name of a built-in strategy"
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR", message: "invalid script: name '\(name)' \(reason)",
                details: ["fields": .object(["name": .string(reason)]), "built_in_strategies": .array(StrategyRegistry.names.map(JSONValue.string))])
        }
    }

    static func checkSize(_ source: String) throws(APIError) {
        let size = source.utf8.count
        guard size <= maximumSourceBytes else {
            throw APIError(
                status: .contentTooLarge, code: "SCRIPT_TOO_LARGE",
                message: "the script is \(size) bytes; at most \(maximumSourceBytes) are accepted",
                details: ["size_bytes": .number(Double(size)), "limit_bytes": .number(Double(maximumSourceBytes))])
        }
    }

    static func unknownScript(_ name: String) -> APIError {
        APIError(status: .notFound, code: "UNKNOWN_SCRIPT", message: "no saved script named '\(name)'", details: ["name": .string(name)])
    }

    static func compileError(name: String, version: Int, diagnostics: [PineDiagnostic]) -> APIError {
        let errors = diagnostics.filter { $0.severity == .error }
        let first = errors.first.map { " (line \($0.line): \($0.message))" } ?? ""
        return APIError(
            status: .unprocessableContent, code: "SCRIPT_COMPILE_ERROR",
            message: "script '\(name)' version \(version) does not compile: \(errors.count) error\(errors.count == 1 ? "" : "s")\(first); fix it before running it",
            details: ["script": .string(name), "version": .number(Double(version)), "diagnostics": .array(diagnostics.map(Self.json))])
    }

    static func json(_ diagnostic: PineDiagnostic) -> JSONValue {
        .object([
            "line": .number(Double(diagnostic.line)), "column": .number(Double(diagnostic.column)),
            "end_column": .number(Double(diagnostic.endColumn)), "severity": .string(diagnostic.severity.rawValue),
            "message": .string(diagnostic.message),
        ])
    }

    // MARK: Runs

    /// The saved script a run request names, or nil when `strategy_name` is missing, not a string,
    /// or a built-in strategy (the planner reports those).
    func selection(forRunBody body: [String: JSONValue]) async throws -> ScriptSelection? {
        guard case .string(let name)? = body["strategy_name"], !name.isEmpty,
              !StrategyRegistry.names.contains(name), ScriptNameRule.problem(name) == nil,
              let record = try await store.script(named: name)
        else { return nil }
        return ScriptSelection(
            name: record.info.name, version: record.info.version, sha256: record.info.sha256, source: record.source,
            analysis: analyse(record.source))
    }

    /// Names of every saved script (for `UNKNOWN_STRATEGY`'s `available`).
    func names() async -> [String] {
        ((try? await store.list()) ?? []).map(\.name)
    }
}
