/// A lexical token of Pine Script with its position.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case intLiteral(Int64)
        case floatLiteral(Double)
        case stringLiteral(String)
        case colorLiteral(UInt32)
        case keyword(Keyword)
        case symbol(Symbol)
        case newline
        case indent
        case dedent
        case endOfFile
    }

    var kind: Kind
    var location: SourceLocation
    /// Length in columns of the token's text (for carets).
    var length: Int
}

enum Keyword: String, Sendable, CaseIterable {
    case and, or, not, `if`, `else`, `for`, to, by, `in`, `while`, `break`, `continue`, `switch`
    case `var`, varip, `true`, `false`, `import`, export, method, type, `enum`
    case series, simple, const
}

enum Symbol: String, Sendable, CaseIterable {
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
    case equal = "==", notEqual = "!=", less = "<", greater = ">", lessEqual = "<=", greaterEqual = ">="
    case assign = "=", reassign = ":=", plusAssign = "+=", minusAssign = "-=", starAssign = "*="
    case slashAssign = "/=", percentAssign = "%="
    case question = "?", colon = ":", arrow = "=>"
    case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]", comma = ",", dot = "."
}

extension Token.Kind {
    var displayText: String {
        switch self {
        case .identifier(let name): "'\(name)'"
        case .intLiteral(let value): "'\(value)'"
        case .floatLiteral(let value): "'\(value)'"
        case .stringLiteral: "a string"
        case .colorLiteral: "a color literal"
        case .keyword(let keyword): "'\(keyword.rawValue)'"
        case .symbol(let symbol): "'\(symbol.rawValue)'"
        case .newline: "end of line"
        case .indent: "an indented block"
        case .dedent: "end of block"
        case .endOfFile: "end of script"
        }
    }
}
