/// A constraint between parameters, such as `fast_period < slow_period` or
/// `slow_period - fast_period >= 10 and stake <= 1`.
///
/// Grammar (lowest precedence first):
/// ```
/// or      := and ( ("or" | "||") and )*
/// and     := not ( ("and" | "&&") not )*
/// not     := ("not" | "!") not | compare
/// compare := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
/// sum     := product ( ("+" | "-") product )*
/// product := unary ( ("*" | "/" | "%") unary )*
/// unary   := "-" unary | atom
/// atom    := number | parameter name | "(" or ")"
/// ```
/// Numbers are doubles; a comparison is 1 (true) or 0 (false); the whole expression holds when it
/// is non-zero. Booleans compare as 1 and 0.
public indirect enum ConstraintExpression: Sendable, Hashable {
    case number(Double)
    case parameter(String)
    case negate(ConstraintExpression)
    case not(ConstraintExpression)
    case binary(String, ConstraintExpression, ConstraintExpression)

    /// Parses `text`; errors say where.
    public init(parsing text: String) throws(SweepError) {
        var parser = ExpressionParser(tokens: try ExpressionParser.tokenize(text), text: text)
        let expression = try parser.parseOr()
        guard parser.position == parser.tokens.count else {
            throw SweepError.config(nil, "unexpected '\(parser.tokens[parser.position].text)' in constraint '\(text)'")
        }
        self = expression
    }

    /// Every parameter name the expression reads.
    public var parameterNames: Set<String> {
        switch self {
        case .number: []
        case .parameter(let name): [name]
        case .negate(let inner), .not(let inner): inner.parameterNames
        case .binary(_, let lhs, let rhs): lhs.parameterNames.union(rhs.parameterNames)
        }
    }

    /// The value of the expression with `values` for the parameters (a missing one is NaN).
    public func evaluate(_ values: [String: Double]) -> Double {
        switch self {
        case .number(let value): return value
        case .parameter(let name): return values[name] ?? .nan
        case .negate(let inner): return -inner.evaluate(values)
        case .not(let inner): return inner.evaluate(values) == 0 ? 1 : 0
        case .binary(let op, let lhs, let rhs):
            let a = lhs.evaluate(values)
            if op == "and" { return a != 0 && !a.isNaN && rhs.evaluate(values) != 0 ? 1 : 0 }
            if op == "or" { return (a != 0 && !a.isNaN) || rhs.evaluate(values) != 0 ? 1 : 0 }
            let b = rhs.evaluate(values)
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            case "/": return a / b
            case "%": return a.truncatingRemainder(dividingBy: b)
            case "<": return a < b ? 1 : 0
            case "<=": return a <= b ? 1 : 0
            case ">": return a > b ? 1 : 0
            case ">=": return a >= b ? 1 : 0
            case "==": return a == b ? 1 : 0
            case "!=": return a != b ? 1 : 0
            default: return .nan
            }
        }
    }

    /// True when the expression holds (non-zero and not NaN).
    public func holds(_ values: [String: Double]) -> Bool {
        let result = evaluate(values)
        return !result.isNaN && result != 0
    }
}

struct ExpressionParser {
    struct Token: Equatable {
        enum Kind { case number, name, symbol }
        let kind: Kind
        let text: String
    }

    let tokens: [Token]
    let text: String
    var position = 0

    init(tokens: [Token], text: String) {
        self.tokens = tokens
        self.text = text
    }

    static func tokenize(_ text: String) throws(SweepError) -> [Token] {
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" { i += 1; continue }
            if c.properties.numericType != nil && c.isASCII || (c == "." && i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].properties.numericType != nil) {
                var j = i
                while j < chars.count, chars[j].isASCII, chars[j].properties.numericType != nil || chars[j] == "." { j += 1 }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    var k = j + 1
                    if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
                    if k < chars.count, chars[k].isASCII, chars[k].properties.numericType != nil {
                        j = k
                        while j < chars.count, chars[j].isASCII, chars[j].properties.numericType != nil { j += 1 }
                    }
                }
                tokens.append(Token(kind: .number, text: String(String.UnicodeScalarView(chars[i..<j]))))
                i = j
                continue
            }
            if isNameStart(c) {
                var j = i
                while j < chars.count, isNameStart(chars[j]) || (chars[j].isASCII && chars[j].properties.numericType != nil) || chars[j] == "." { j += 1 }
                tokens.append(Token(kind: .name, text: String(String.UnicodeScalarView(chars[i..<j]))))
                i = j
                continue
            }
            let two = i + 1 < chars.count ? String(String.UnicodeScalarView([c, chars[i + 1]])) : ""
            if ["<=", ">=", "==", "!=", "&&", "||"].contains(two) {
                tokens.append(Token(kind: .symbol, text: two))
                i += 2
                continue
            }
            if "<>+-*/%()!".unicodeScalars.contains(c) {
                tokens.append(Token(kind: .symbol, text: String(c)))
                i += 1
                continue
            }
            throw SweepError.config(nil, "unexpected character '\(c)' in constraint '\(text)'")
        }
        return tokens
    }

    func peek() -> Token? { position < tokens.count ? tokens[position] : nil }

    mutating func accept(_ options: [String]) -> String? {
        guard let token = peek(), token.kind != .number, options.contains(token.text) else { return nil }
        position += 1
        return token.text
    }

    mutating func parseOr() throws(SweepError) -> ConstraintExpression {
        var lhs = try parseAnd()
        while accept(["or", "||"]) != nil { lhs = .binary("or", lhs, try parseAnd()) }
        return lhs
    }

    mutating func parseAnd() throws(SweepError) -> ConstraintExpression {
        var lhs = try parseNot()
        while accept(["and", "&&"]) != nil { lhs = .binary("and", lhs, try parseNot()) }
        return lhs
    }

    mutating func parseNot() throws(SweepError) -> ConstraintExpression {
        if accept(["not", "!"]) != nil { return .not(try parseNot()) }
        return try parseCompare()
    }

    mutating func parseCompare() throws(SweepError) -> ConstraintExpression {
        let lhs = try parseSum()
        if let op = accept(["<", "<=", ">", ">=", "==", "!="]) {
            let rhs = try parseSum()
            if accept(["<", "<=", ">", ">=", "==", "!="]) != nil {
                throw SweepError.config(nil, "chained comparison in constraint '\(text)'; join comparisons with 'and'")
            }
            return .binary(op, lhs, rhs)
        }
        return lhs
    }

    mutating func parseSum() throws(SweepError) -> ConstraintExpression {
        var lhs = try parseProduct()
        while let op = accept(["+", "-"]) { lhs = .binary(op, lhs, try parseProduct()) }
        return lhs
    }

    mutating func parseProduct() throws(SweepError) -> ConstraintExpression {
        var lhs = try parseUnary()
        while let op = accept(["*", "/", "%"]) { lhs = .binary(op, lhs, try parseUnary()) }
        return lhs
    }

    mutating func parseUnary() throws(SweepError) -> ConstraintExpression {
        if accept(["-"]) != nil { return .negate(try parseUnary()) }
        return try parseAtom()
    }

    mutating func parseAtom() throws(SweepError) -> ConstraintExpression {
        guard let token = peek() else { throw SweepError.config(nil, "constraint '\(text)' ends early") }
        position += 1
        switch token.kind {
        case .number:
            guard let value = Double(token.text) else { throw SweepError.config(nil, "'\(token.text)' is not a number in constraint '\(text)'") }
            return .number(value)
        case .name:
            if ["and", "or", "not"].contains(token.text) {
                throw SweepError.config(nil, "unexpected '\(token.text)' in constraint '\(text)'")
            }
            if token.text == "true" { return .number(1) }
            if token.text == "false" { return .number(0) }
            return .parameter(token.text)
        case .symbol:
            guard token.text == "(" else { throw SweepError.config(nil, "unexpected '\(token.text)' in constraint '\(text)'") }
            let inner = try parseOr()
            guard accept([")"]) != nil else { throw SweepError.config(nil, "missing ')' in constraint '\(text)'") }
            return inner
        }
    }
}
