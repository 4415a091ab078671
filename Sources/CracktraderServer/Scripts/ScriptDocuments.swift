import PineScript
import Storage
import TradingCore

/// One diagnostic as the API shows it.
struct DiagnosticDocument: Encodable, Sendable {
    let line: Int
    let column: Int
    let end_column: Int
    let severity: String
    let message: String

    init(_ diagnostic: PineDiagnostic) {
        line = diagnostic.line
        column = diagnostic.column
        end_column = diagnostic.endColumn
        severity = diagnostic.severity.rawValue
        message = diagnostic.message
    }
}

/// `POST /scripts/check`.
struct CheckDocument: Encodable, Sendable {
    let diagnostics: [DiagnosticDocument]
}

/// A saved script in lists (`GET /scripts`) and, with `source` and `diagnostics`, on its own.
struct ScriptDocument: Encodable, Sendable {
    let name: String
    let version: Int
    let sha256: String
    let size: Int
    let created_at: String
    let updated_at: String
    /// False when the newest version has errors (it is saved, but cannot be run).
    let compiles: Bool
    let errors: Int
    let warnings: Int
    /// `strategy` or `indicator` (null when it does not compile).
    @ExplicitNull var kind: String?
    @ExplicitNull var title: String?
    var source: String?
    var diagnostics: [DiagnosticDocument]?
    /// PUT: whether this save created a new version (false when the text was unchanged).
    var saved_new_version: Bool?

    init(info: ScriptInfo, analysis: ScriptAnalysis, source: String? = nil, savedNewVersion: Bool? = nil) {
        name = info.name
        version = info.version
        sha256 = info.sha256
        size = info.size
        created_at = ISO8601Timestamp.string(fromMilliseconds: info.createdAt)
        updated_at = ISO8601Timestamp.string(fromMilliseconds: info.updatedAt)
        compiles = analysis.compiles
        errors = analysis.diagnostics.filter { $0.severity == .error }.count
        warnings = analysis.diagnostics.filter { $0.severity == .warning }.count
        kind = analysis.kind
        title = analysis.title
        self.source = source
        diagnostics = source == nil ? nil : analysis.diagnostics.map(DiagnosticDocument.init)
        saved_new_version = savedNewVersion
    }
}

struct ScriptListDocument: Encodable, Sendable {
    let scripts: [ScriptDocument]
}

struct ScriptVersionDocument: Encodable, Sendable {
    let version: Int
    let sha256: String
    let size: Int
    let created_at: String
    var source: String?

    init(_ record: ScriptVersionRecord) {
        version = record.version
        sha256 = record.sha256
        size = record.size
        created_at = ISO8601Timestamp.string(fromMilliseconds: record.createdAt)
        source = record.source
    }
}

struct ScriptVersionListDocument: Encodable, Sendable {
    let name: String
    let versions: [ScriptVersionDocument]
}

struct DeletedScript: Encodable, Sendable {
    let name: String
    let deleted: Bool
}
