/// Why a sweep command failed, and so how its process exits.
///
/// - `config` (exit 65, `EX_DATAERR`): the config, plan or input is wrong; rerunning cannot help.
/// - `permanent` (exit 65): a deterministic failure while running (an engine error, data that no
///   longer matches the plan's hash, a merge conflict); never retried.
/// - `transient` (exit 75, `EX_TEMPFAIL`): I/O trouble (unreadable or unwritable files, a venue
///   download that failed); retrying the same shard may succeed.
public struct SweepError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case config
        case permanent
        case transient
    }

    public let kind: Kind
    /// Stable machine code, e.g. `SWEEP_CONFIG_INVALID`, `SWEEP_MERGE_CONFLICT`.
    public let code: String
    public let message: String
    /// The config field at fault (a dotted path such as `parameters.fast_period.step`), if any.
    public let field: String?
    /// 1-based line of the field in the config file, if known.
    public let line: Int?
    /// The file the line refers to.
    public let file: String?

    public init(kind: Kind, code: String, message: String, field: String? = nil, line: Int? = nil, file: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
        self.line = line
        self.file = file
    }

    /// A config error about `field`, located at `line` when known.
    public static func config(_ field: String?, _ message: String, line: Int? = nil, file: String? = nil) -> SweepError {
        SweepError(kind: .config, code: "SWEEP_CONFIG_INVALID", message: message, field: field, line: line, file: file)
    }

    public static func transient(_ code: String, _ message: String) -> SweepError {
        SweepError(kind: .transient, code: code, message: message)
    }

    public static func permanent(_ code: String, _ message: String) -> SweepError {
        SweepError(kind: .permanent, code: code, message: message)
    }

    /// The process exit status for this error: 65 (config, permanent) or 75 (transient).
    public var exitStatus: Int32 { kind == .transient ? 75 : 65 }

    /// `file:line: field: message`, with the parts that are known.
    public var description: String {
        var prefix = ""
        if let file { prefix += file + ":" }
        if let line { prefix += "\(line):" }
        if !prefix.isEmpty { prefix += " " }
        if let field { prefix += field + ": " }
        return prefix + message
    }

    /// The standard error envelope `{"error": {"code", "message", "field", "line"}}`.
    public var envelope: JSONValue {
        var body: [String: JSONValue] = ["code": .string(code), "message": .string(message), "kind": .string(kind.rawValue)]
        if let field { body["field"] = .string(field) }
        if let line { body["line"] = .int(line) }
        if let file { body["file"] = .string(file) }
        return .object(["error": .object(body)])
    }
}
