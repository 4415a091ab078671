/// A position in a script's source: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Hashable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// One problem found in a script, with where it is and a message a Pine user understands.
public struct PineDiagnostic: Sendable, Hashable, Error, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    public var line: Int
    public var column: Int
    /// Column just past the offending text (at least `column + 1`).
    public var endColumn: Int
    public var message: String

    public init(_ severity: Severity = .error, at location: SourceLocation, length: Int = 1, _ message: String) {
        self.severity = severity
        self.line = location.line
        self.column = location.column
        self.endColumn = location.column + max(1, length)
        self.message = message
    }

    public var description: String { "\(line):\(column): \(severity.rawValue): \(message)" }

    /// `file:line:column: error: message`, then the source line and a caret under the problem,
    /// the way the Swift compiler prints diagnostics.
    public func rendered(source: String, fileName: String) -> String {
        var text = "\(fileName):\(line):\(column): \(severity.rawValue): \(message)"
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        if line >= 1, line <= lines.count {
            var sourceLine = String(lines[line - 1])
            if sourceLine.hasSuffix("\r") { sourceLine.removeLast() }
            let prefix = sourceLine.unicodeScalars.prefix(max(0, column - 1))
            // Keep tabs so the caret lines up under the same text in a terminal.
            let padding = String(String.UnicodeScalarView(prefix.map { $0 == "\t" ? "\t" : " " }))
            let width = max(1, min(endColumn - column, max(1, sourceLine.unicodeScalars.count - column + 1)))
            text += "\n\(sourceLine)\n\(padding)^" + String(repeating: "~", count: width - 1)
        }
        return text
    }
}

/// Everything wrong with a script, in source order. Thrown when compilation fails.
public struct PineCompileError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [PineDiagnostic]

    public init(_ diagnostics: [PineDiagnostic]) {
        self.diagnostics = diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    public func rendered(source: String, fileName: String) -> String {
        diagnostics.map { $0.rendered(source: source, fileName: fileName) }.joined(separator: "\n")
    }
}
