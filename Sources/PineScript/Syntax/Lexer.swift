/// Turns Pine source into tokens, with Pine's layout rules:
///
/// - a block is indented by 4 spaces (or one tab) per level; `indent`/`dedent` tokens mark it;
/// - a line indented by a number of spaces that is not a multiple of 4 continues the previous
///   line (Pine's line wrapping), and so does every line inside open parentheses or brackets;
/// - `//` starts a comment; blank and comment-only lines are ignored.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private(set) var tokens: [Token] = []
    private(set) var diagnostics: [PineDiagnostic] = []
    /// The `//@version=N` annotation, when present.
    private(set) var version: Int?
    private(set) var versionLocation = SourceLocation(line: 1, column: 1)
    /// Where the last line break was, so "end of line" errors point at the line they are about.
    private var lineEnd = SourceLocation(line: 1, column: 1)

    init(source: String) {
        scalars = Array(source.unicodeScalars)
    }

    mutating func tokenize() {
        var indentStack = [0]
        var nesting = 0
        var atLineStart = true
        while true {
            if atLineStart {
                atLineStart = false
                // Measure the indentation of this physical line.
                var width = 0
                var spacesOnly = true
                while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" {
                    if scalars[index] == "\t" { width += 4; spacesOnly = false } else { width += 1 }
                    advance()
                }
                if isBlankOrComment() {
                    skipToLineEnd()
                    if index >= scalars.count { break }
                    consumeNewline()
                    atLineStart = true
                    continue
                }
                let hasPrevious = tokens.contains { $0.kind != .newline }
                // A line at column 1 always starts a statement: an unclosed '(' on the line before
                // is then an error there, not a swallowed rest of the script.
                if nesting > 0, width == 0 {
                    nesting = 0
                    if let last = tokens.last, last.kind != .newline { tokens.append(Token(kind: .newline, location: lineEnd, length: 1)) }
                }
                if nesting > 0 || (hasPrevious && width % 4 != 0 && spacesOnly) {
                    // Continuation of the previous logical line: drop the newline we emitted.
                    if tokens.last?.kind == .newline { tokens.removeLast() }
                } else {
                    let level = width
                    if level > indentStack.last! {
                        indentStack.append(level)
                        tokens.append(Token(kind: .indent, location: here, length: 1))
                    } else {
                        while level < indentStack.last! {
                            indentStack.removeLast()
                            tokens.append(Token(kind: .dedent, location: here, length: 1))
                        }
                        if level != indentStack.last! {
                            diagnostics.append(PineDiagnostic(at: here, "inconsistent indentation: a block is indented by 4 spaces or one tab per level"))
                        }
                    }
                }
            }
            guard index < scalars.count else { break }
            let scalar = scalars[index]
            switch scalar {
            case "\n", "\r":
                lineEnd = here
                consumeNewline()
                if nesting == 0, let last = tokens.last, last.kind != .newline, last.kind != .indent, last.kind != .dedent {
                    tokens.append(Token(kind: .newline, location: lineEnd, length: 1))
                }
                atLineStart = true
            case " ", "\t":
                advance()
            case "/" where peek(1) == "/":
                lexComment()
            case "\"", "'":
                lexString(quote: scalar)
            case "#":
                lexColor()
            case "0"..."9":
                lexNumber()
            case "." where peek(1).map({ ("0"..."9").contains($0) }) ?? false:
                lexNumber()
            case "a"..."z", "A"..."Z", "_":
                lexIdentifier()
            default:
                if !lexSymbol(&nesting) {
                    diagnostics.append(PineDiagnostic(at: here, "unexpected character '\(scalar)'"))
                    advance()
                }
            }
        }
        if let last = tokens.last, last.kind != .newline {
            let atEnd = column == 1 && line > 1 ? lineEnd : here
            tokens.append(Token(kind: .newline, location: atEnd, length: 1))
        }
        while indentStack.count > 1 {
            indentStack.removeLast()
            tokens.append(Token(kind: .dedent, location: here, length: 1))
            tokens.append(Token(kind: .newline, location: here, length: 1))
        }
        tokens.append(Token(kind: .endOfFile, location: here, length: 1))
    }

    // MARK: - Pieces

    private var here: SourceLocation { SourceLocation(line: line, column: column) }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        index += 1
        column += 1
    }

    private mutating func consumeNewline() {
        if scalars[index] == "\r", peek(1) == "\n" { index += 1 }
        index += 1
        line += 1
        column = 1
    }

    private func isBlankOrComment() -> Bool {
        guard index < scalars.count else { return true }
        let scalar = scalars[index]
        if scalar == "\n" || scalar == "\r" { return true }
        return scalar == "/" && peek(1) == "/"
    }

    private mutating func skipToLineEnd() {
        let start = here
        var text = ""
        while index < scalars.count, scalars[index] != "\n", scalars[index] != "\r" {
            text.unicodeScalars.append(scalars[index])
            advance()
        }
        noteAnnotation(text, at: start)
    }

    private mutating func lexComment() {
        skipToLineEnd()
    }

    private mutating func noteAnnotation(_ comment: String, at location: SourceLocation) {
        let body = comment.drop { $0 == " " }
        guard body.hasPrefix("//@version") else { return }
        let rest = body.dropFirst("//@version".count).drop { $0 == " " }
        guard rest.first == "=" else { return }
        let digits = rest.dropFirst().drop { $0 == " " }.prefix { $0.isNumber }
        if version == nil, let number = Int(digits) {
            version = number
            versionLocation = location
        }
    }

    private mutating func lexString(quote: Unicode.Scalar) {
        let start = here
        advance()
        var text = ""
        var closed = false
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" { break }
            if scalar == quote {
                advance()
                closed = true
                break
            }
            if scalar == "\\", let next = peek(1) {
                advance()
                advance()
                switch next {
                case "n": text += "\n"
                case "t": text += "\t"
                case "\\": text += "\\"
                case "\"": text += "\""
                case "'": text += "'"
                default: text.unicodeScalars.append(next)
                }
                continue
            }
            text.unicodeScalars.append(scalar)
            advance()
        }
        if !closed {
            diagnostics.append(PineDiagnostic(at: start, length: column - start.column, "unterminated string literal"))
        }
        tokens.append(Token(kind: .stringLiteral(text), location: start, length: column - start.column))
    }

    private mutating func lexColor() {
        let start = here
        advance()
        var hex = ""
        while index < scalars.count, scalars[index].properties.isASCIIHexDigit {
            hex.unicodeScalars.append(scalars[index])
            advance()
        }
        guard hex.count == 6 || hex.count == 8, var value = UInt32(hex, radix: 16) else {
            diagnostics.append(PineDiagnostic(at: start, length: hex.count + 1, "a color literal is # followed by 6 or 8 hex digits"))
            tokens.append(Token(kind: .colorLiteral(0), location: start, length: hex.count + 1))
            return
        }
        if hex.count == 6 { value = value << 8 | 0xFF }
        tokens.append(Token(kind: .colorLiteral(value), location: start, length: hex.count + 1))
    }

    private mutating func lexNumber() {
        let start = here
        var text = ""
        var isFloat = false
        while index < scalars.count, ("0"..."9").contains(scalars[index]) {
            text.unicodeScalars.append(scalars[index]); advance()
        }
        if index < scalars.count, scalars[index] == ".", !(peek(1).map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) } ?? false) {
            isFloat = true
            text += "."; advance()
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                text.unicodeScalars.append(scalars[index]); advance()
            }
        }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            let save = (index, column, text)
            text += "e"; advance()
            if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" {
                text.unicodeScalars.append(scalars[index]); advance()
            }
            if index < scalars.count, ("0"..."9").contains(scalars[index]) {
                isFloat = true
                while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                    text.unicodeScalars.append(scalars[index]); advance()
                }
            } else {
                (index, column, text) = save
            }
        }
        let length = column - start.column
        if !isFloat, let value = Int64(text) {
            tokens.append(Token(kind: .intLiteral(value), location: start, length: length))
        } else if let value = Double(text.hasPrefix(".") ? "0" + text : text) {
            tokens.append(Token(kind: .floatLiteral(value), location: start, length: length))
        } else {
            diagnostics.append(PineDiagnostic(at: start, length: length, "malformed number '\(text)'"))
            tokens.append(Token(kind: .floatLiteral(.nan), location: start, length: length))
        }
    }

    private mutating func lexIdentifier() {
        let start = here
        var text = ""
        while index < scalars.count {
            let scalar = scalars[index]
            guard ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" else { break }
            text.unicodeScalars.append(scalar)
            advance()
        }
        let kind: Token.Kind = Keyword(rawValue: text).map { .keyword($0) } ?? .identifier(text)
        tokens.append(Token(kind: kind, location: start, length: text.unicodeScalars.count))
    }

    private mutating func lexSymbol(_ nesting: inout Int) -> Bool {
        let start = here
        let two = peek(1).map { String(scalars[index]) + String($0) } ?? ""
        if let symbol = Symbol(rawValue: two), two.count == 2 {
            advance(); advance()
            tokens.append(Token(kind: .symbol(symbol), location: start, length: 2))
            return true
        }
        guard let symbol = Symbol(rawValue: String(scalars[index])) else { return false }
        advance()
        switch symbol {
        case .leftParen, .leftBracket: nesting += 1
        case .rightParen, .rightBracket: nesting = max(0, nesting - 1)
        default: break
        }
        tokens.append(Token(kind: .symbol(symbol), location: start, length: 1))
        return true
    }
}
