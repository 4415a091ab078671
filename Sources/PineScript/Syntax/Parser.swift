/// Recursive-descent parser from tokens to the plain syntax tree, with Pine's operator precedence
/// (from loosest): `?:`, `or`, `and`, `== !=`, `< > <= >=`, `+ -`, `* / %`, unary `+ - not`,
/// then postfix calls, `.` members and the `[]` history operator.
///
/// Errors are collected, not thrown at the first one: after an error the parser skips to the
/// next line at the same block level and carries on, so a user sees several problems at once.
struct Parser {
    private var tokens: [Token]
    private var position = 0
    private(set) var diagnostics: [PineDiagnostic] = []
    private var lastConsumed: Token.Kind = .newline

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    struct Failure: Error {}

    mutating func parseScript() -> [Statement] {
        var statements: [Statement] = []
        while !check(.endOfFile) {
            if match(.newline) { continue }
            if check(.indent) || check(.dedent) {
                let token = advance()
                if token.kind == .indent {
                    diagnostics.append(PineDiagnostic(at: token.location, "unexpected indentation: only the body of if, for, while, switch and functions is indented"))
                    skipBlock()
                }
                continue
            }
            do {
                statements.append(try parseStatement())
            } catch {
                recover()
            }
        }
        return statements
    }

    // MARK: - Statements

    private mutating func parseStatement() throws -> Statement {
        let token = peek()
        switch token.kind {
        case .keyword(.if):
            let statement = Statement.ifStatement(try parseIf())
            try endStatement()
            return statement
        case .keyword(.switch):
            let statement = Statement.switchStatement(try parseSwitch())
            try endStatement()
            return statement
        case .keyword(.for):
            let statement = Statement.forStatement(try parseFor())
            try endStatement()
            return statement
        case .keyword(.while):
            advance()
            let condition = try parseExpression()
            let body = try parseBlock()
            try endStatement()
            return .whileStatement(condition: condition, body: body, token.location)
        case .keyword(.break):
            advance()
            try endStatement()
            return .breakStatement(token.location)
        case .keyword(.continue):
            advance()
            try endStatement()
            return .continueStatement(token.location)
        case .keyword(.import), .keyword(.export), .keyword(.method), .keyword(.type), .keyword(.enum):
            let word: String
            if case .keyword(let keyword) = token.kind { word = keyword.rawValue } else { word = "" }
            throw error(at: token, "'\(word)' (libraries, methods and user-defined types) is not supported yet")
        case .keyword(.var), .keyword(.varip), .keyword(.series), .keyword(.simple), .keyword(.const):
            return try parseDeclaration()
        case .symbol(.leftBracket) where isTupleDeclaration():
            return try parseTupleDeclaration()
        case .identifier(let name):
            if isFunctionDeclaration() { return .function(try parseFunction()) }
            if isTypedDeclaration() { return try parseDeclaration() }
            if case .symbol(let symbol) = peek(1).kind {
                switch symbol {
                case .assign:
                    return try parseDeclaration()
                case .reassign, .plusAssign, .minusAssign, .starAssign, .slashAssign, .percentAssign:
                    advance(); advance()
                    let op: BinaryOperator? = switch symbol {
                    case .plusAssign: .add
                    case .minusAssign: .subtract
                    case .starAssign: .multiply
                    case .slashAssign: .divide
                    case .percentAssign: .remainder
                    default: nil
                    }
                    let value = try parseExpression()
                    try endStatement()
                    return .assignment(name: name, op: op, value: value, token.location)
                default:
                    break
                }
            }
        default:
            break
        }
        let expression = try parseExpression()
        try endStatement()
        return .expression(expression)
    }

    private mutating func endStatement() throws {
        if match(.newline) || check(.endOfFile) { return }
        if lastConsumed == .dedent { return }
        throw error(at: peek(), "expected end of line, found \(peek().kind.displayText)")
    }

    private mutating func parseDeclaration() throws -> Statement {
        let start = peek()
        var mode = DeclarationMode.everyBar
        if match(.keyword(.var)) { mode = .var } else if match(.keyword(.varip)) { mode = .varip }
        // Qualifiers say what TradingView infers anyway; they are accepted and not needed here.
        while match(.keyword(.series)) || match(.keyword(.simple)) || match(.keyword(.const)) {}
        var type: TypeAnnotation?
        if case .identifier = peek().kind, !isAssignSymbol(peek(1).kind) {
            type = try parseTypeAnnotation()
        }
        guard case .identifier(let name) = peek().kind else {
            throw error(at: peek(), "expected a variable name, found \(peek().kind.displayText)")
        }
        advance()
        guard match(.symbol(.assign)) else {
            if check(.symbol(.reassign)) {
                throw error(at: peek(), "'\(name)' is declared with '=', not ':=' (':=' reassigns a declared variable)")
            }
            throw error(at: peek(), "expected '=' after '\(name)'")
        }
        let value = try parseExpression()
        try endStatement()
        return .declaration(mode: mode, type: type, name: name, value: value, start.location)
    }

    private mutating func parseTypeAnnotation() throws -> TypeAnnotation {
        guard case .identifier(let name) = peek().kind else { throw error(at: peek(), "expected a type") }
        advance()
        if name == "array" || name == "matrix" || name == "map", match(.symbol(.less)) {
            guard case .identifier(let element) = peek().kind else { throw error(at: peek(), "expected an element type") }
            advance()
            guard match(.symbol(.greater)) else { throw error(at: peek(), "expected '>'") }
            return TypeAnnotation(name: name, element: element)
        }
        if check(.symbol(.leftBracket)), peek(1).kind == .symbol(.rightBracket) {
            advance(); advance()
            return TypeAnnotation(name: "array", element: name)
        }
        return TypeAnnotation(name: name, element: nil)
    }

    private mutating func parseTupleDeclaration() throws -> Statement {
        let start = advance()
        var names: [String] = []
        repeat {
            guard case .identifier(let name) = peek().kind else { throw error(at: peek(), "expected a variable name in the tuple") }
            advance()
            names.append(name)
        } while match(.symbol(.comma))
        guard match(.symbol(.rightBracket)) else { throw error(at: peek(), "expected ']'") }
        guard match(.symbol(.assign)) else {
            throw error(at: peek(), "a tuple is declared with '=' (tuples cannot be reassigned with ':=')")
        }
        let value = try parseExpression()
        try endStatement()
        return .tupleDeclaration(names: names, value: value, start.location)
    }

    private mutating func parseFunction() throws -> FunctionDeclaration {
        let nameToken = advance()
        guard case .identifier(let name) = nameToken.kind else { throw Failure() }
        advance() // (
        var parameters: [FunctionDeclaration.Parameter] = []
        if !check(.symbol(.rightParen)) {
            repeat {
                while match(.keyword(.series)) || match(.keyword(.simple)) || match(.keyword(.const)) {}
                var type: TypeAnnotation?
                if case .identifier = peek().kind, case .identifier = peek(1).kind { type = try parseTypeAnnotation() }
                guard case .identifier(let parameter) = peek().kind else { throw error(at: peek(), "expected a parameter name") }
                advance()
                var defaultValue: Expr?
                if match(.symbol(.assign)) { defaultValue = try parseExpression() }
                parameters.append(.init(name: parameter, defaultValue: defaultValue, type: type))
            } while match(.symbol(.comma))
        }
        guard match(.symbol(.rightParen)) else { throw error(at: peek(), "expected ')' after the parameters of '\(name)'") }
        guard match(.symbol(.arrow)) else { throw error(at: peek(), "expected '=>'") }
        let body: [Statement]
        if check(.newline) {
            body = try parseBlock()
            try endStatement()
        } else {
            let expression = try parseExpression()
            body = [.expression(expression)]
            try endStatement()
        }
        return FunctionDeclaration(name: name, parameters: parameters, body: body, location: nameToken.location)
    }

    /// NEWLINE INDENT statements DEDENT.
    private mutating func parseBlock() throws -> [Statement] {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.maximumNesting {
            throw error(at: peek(), "blocks nested too deeply (more than \(Self.maximumNesting) levels)")
        }
        guard match(.newline) else { throw error(at: peek(), "expected a new line and an indented block, found \(peek().kind.displayText)") }
        guard match(.indent) else { throw error(at: peek(), "expected an indented block (4 spaces or a tab)") }
        var statements: [Statement] = []
        while !check(.dedent), !check(.endOfFile) {
            if match(.newline) { continue }
            do {
                statements.append(try parseStatement())
            } catch {
                recover()
            }
        }
        if !match(.dedent) { lastConsumed = .dedent }
        return statements
    }

    private mutating func parseIf() throws -> IfStatement {
        let start = advance()
        let condition = try parseExpression()
        let then = try parseBlock()
        var otherwise: [Statement]?
        if check(.keyword(.else)) {
            advance()
            if check(.keyword(.if)) {
                otherwise = [.ifStatement(try parseIf())]
            } else {
                otherwise = try parseBlock()
            }
        }
        return IfStatement(condition: condition, then: then, otherwise: otherwise, location: start.location)
    }

    private mutating func parseSwitch() throws -> SwitchStatement {
        let start = advance()
        var subject: Expr?
        if !check(.newline) { subject = try parseExpression() }
        guard match(.newline), match(.indent) else { throw error(at: peek(), "expected the cases of 'switch' on indented lines") }
        var cases: [SwitchStatement.Case] = []
        while !check(.dedent), !check(.endOfFile) {
            if match(.newline) { continue }
            var matchExpr: Expr?
            if !check(.symbol(.arrow)) { matchExpr = try parseExpression() }
            guard match(.symbol(.arrow)) else { throw error(at: peek(), "expected '=>' in a switch case") }
            let body: [Statement]
            if check(.newline) {
                body = try parseBlock()
                if check(.newline) { advance() }
            } else {
                body = [try parseStatement()]
            }
            cases.append(.init(match: matchExpr, body: body))
        }
        if !match(.dedent) { lastConsumed = .dedent }
        return SwitchStatement(subject: subject, cases: cases, location: start.location)
    }

    private mutating func parseFor() throws -> ForStatement {
        let start = advance()
        if match(.symbol(.leftBracket)) {
            guard case .identifier(let index) = peek().kind else { throw error(at: peek(), "expected an index variable") }
            advance()
            guard match(.symbol(.comma)), case .identifier(let value) = peek().kind else { throw error(at: peek(), "expected '[index, value]'") }
            advance()
            guard match(.symbol(.rightBracket)), match(.keyword(.in)) else { throw error(at: peek(), "expected '] in'") }
            let collection = try parseExpression()
            let body = try parseBlock()
            return ForStatement(variable: value, indexVariable: index, range: .each(collection: collection), body: body, location: start.location)
        }
        guard case .identifier(let variable) = peek().kind else { throw error(at: peek(), "expected the loop variable after 'for'") }
        advance()
        if match(.keyword(.in)) {
            let collection = try parseExpression()
            let body = try parseBlock()
            return ForStatement(variable: variable, indexVariable: nil, range: .each(collection: collection), body: body, location: start.location)
        }
        guard match(.symbol(.assign)) else { throw error(at: peek(), "expected '=' or 'in' after the loop variable") }
        let from = try parseExpression()
        guard match(.keyword(.to)) else { throw error(at: peek(), "expected 'to' in the for loop") }
        let to = try parseExpression()
        var by: Expr?
        if match(.keyword(.by)) { by = try parseExpression() }
        let body = try parseBlock()
        return ForStatement(variable: variable, indexVariable: nil, range: .count(from: from, to: to, by: by), body: body, location: start.location)
    }

    // MARK: - Expressions

    /// Expressions nested deeper than this are refused (the parser recurses per level).
    static let maximumNesting = 200
    private var nesting = 0

    mutating func parseExpression() throws -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.maximumNesting {
            throw error(at: peek(), "expression nested too deeply (more than \(Self.maximumNesting) levels)")
        }
        return try parseTernary()
    }

    private mutating func parseTernary() throws -> Expr {
        let condition = try parseBinary(level: 0)
        guard check(.symbol(.question)) else { return condition }
        let token = advance()
        let then = try parseTernary()
        guard match(.symbol(.colon)) else { throw error(at: peek(), "expected ':' in the ternary '?:' expression") }
        let otherwise = try parseTernary()
        return .ternary(condition, then, otherwise, token.location)
    }

    private static let levels: [[(Token.Kind, BinaryOperator)]] = [
        [(.keyword(.or), .or)],
        [(.keyword(.and), .and)],
        [(.symbol(.equal), .equal), (.symbol(.notEqual), .notEqual)],
        [(.symbol(.less), .less), (.symbol(.greater), .greater), (.symbol(.lessEqual), .lessEqual), (.symbol(.greaterEqual), .greaterEqual)],
        [(.symbol(.plus), .add), (.symbol(.minus), .subtract)],
        [(.symbol(.star), .multiply), (.symbol(.slash), .divide), (.symbol(.percent), .remainder)],
    ]

    private mutating func parseBinary(level: Int) throws -> Expr {
        guard level < Self.levels.count else { return try parseUnary() }
        var left = try parseBinary(level: level + 1)
        while let op = Self.levels[level].first(where: { $0.0 == peek().kind }) {
            let token = advance()
            let right = try parseBinary(level: level + 1)
            left = .binary(op.1, left, right, token.location)
        }
        return left
    }

    private mutating func parseUnary() throws -> Expr {
        let token = peek()
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.maximumNesting * 2 {
            throw error(at: token, "expression nested too deeply (more than \(Self.maximumNesting) levels)")
        }
        switch token.kind {
        case .symbol(.minus):
            advance()
            return .unary(.negate, try parseUnary(), token.location)
        case .symbol(.plus):
            advance()
            return .unary(.plus, try parseUnary(), token.location)
        case .keyword(.not):
            advance()
            return .unary(.not, try parseUnary(), token.location)
        default:
            return try parsePostfix()
        }
    }

    private mutating func parsePostfix() throws -> Expr {
        var expression = try parsePrimary()
        while true {
            if check(.symbol(.leftBracket)) {
                let token = advance()
                let offset = try parseExpression()
                guard match(.symbol(.rightBracket)) else { throw error(at: peek(), "expected ']' after the history offset") }
                expression = .history(expression, offset: offset, token.location)
            } else if check(.symbol(.dot)), case .identifier(let member) = peek(1).kind {
                let token = advance()
                advance()
                if check(.symbol(.leftParen)) {
                    // Method syntax on a value: `x.push(1)` is `push(x, 1)` resolved by the compiler.
                    let call = try parseCall(name: "." + member, typeArgument: nil, location: token.location, length: member.count + 1)
                    if case .call(let callee, _, let arguments, let location, let length) = call {
                        expression = .call(callee: callee, typeArgument: nil, arguments: [Argument(label: nil, value: expression, location: expression.location)] + arguments, location, length: length)
                    }
                } else {
                    expression = .member(expression, member, token.location)
                }
            } else {
                return expression
            }
        }
    }

    private mutating func parsePrimary() throws -> Expr {
        let token = peek()
        switch token.kind {
        case .intLiteral(let value):
            advance()
            return .intLiteral(value, token.location)
        case .floatLiteral(let value):
            advance()
            return .floatLiteral(value, token.location)
        case .stringLiteral(let value):
            advance()
            return .stringLiteral(value, token.location)
        case .colorLiteral(let value):
            advance()
            return .colorLiteral(value, token.location)
        case .keyword(.true):
            advance()
            return .boolLiteral(true, token.location)
        case .keyword(.false):
            advance()
            return .boolLiteral(false, token.location)
        case .keyword(.if):
            return .ifExpr(try parseIf())
        case .keyword(.switch):
            return .switchExpr(try parseSwitch())
        case .keyword(.for):
            return .forExpr(try parseFor())
        case .symbol(.leftParen):
            advance()
            let inner = try parseExpression()
            guard match(.symbol(.rightParen)) else { throw error(at: peek(), "expected ')'") }
            return inner
        case .symbol(.leftBracket):
            advance()
            var elements: [Expr] = []
            if !check(.symbol(.rightBracket)) {
                repeat { elements.append(try parseExpression()) } while match(.symbol(.comma))
            }
            guard match(.symbol(.rightBracket)) else { throw error(at: peek(), "expected ']' to close the tuple") }
            return .tuple(elements, token.location)
        case .identifier(let first):
            advance()
            var name = first
            var length = first.count
            // Dotted names: `ta.sma`, `strategy.closedtrades.entry_price`, `color.red`.
            while check(.symbol(.dot)), case .identifier(let part) = peek(1).kind {
                advance(); advance()
                name += "." + part
                length += part.count + 1
            }
            if name == "na", !check(.symbol(.leftParen)) { return .na(token.location) }
            var typeArgument: String?
            if name.hasSuffix(".new"), check(.symbol(.less)), case .identifier(let element) = peek(1).kind, peek(2).kind == .symbol(.greater) {
                advance(); advance(); advance()
                typeArgument = element
            }
            if check(.symbol(.leftParen)) {
                return try parseCall(name: name, typeArgument: typeArgument, location: token.location, length: length)
            }
            return .name(name, token.location, length: length)
        default:
            throw error(at: token, "expected an expression, found \(token.kind.displayText)")
        }
    }

    private mutating func parseCall(name: String, typeArgument: String?, location: SourceLocation, length: Int) throws -> Expr {
        advance() // (
        var arguments: [Argument] = []
        if !check(.symbol(.rightParen)) {
            repeat {
                let start = peek()
                if case .identifier(let label) = start.kind, peek(1).kind == .symbol(.assign) {
                    advance(); advance()
                    arguments.append(Argument(label: label, value: try parseExpression(), location: start.location))
                } else {
                    arguments.append(Argument(label: nil, value: try parseExpression(), location: start.location))
                }
            } while match(.symbol(.comma))
        }
        guard match(.symbol(.rightParen)) else { throw error(at: peek(), "expected ',' or ')' in the arguments of '\(name)'") }
        return .call(callee: name, typeArgument: typeArgument, arguments: arguments, location, length: length)
    }

    // MARK: - Lookahead

    private func isAssignSymbol(_ kind: Token.Kind) -> Bool {
        kind == .symbol(.assign) || kind == .symbol(.reassign)
    }

    /// `type name =` (`float x = na`, `array<float> a = …`, `int[] a = …`).
    private func isTypedDeclaration() -> Bool {
        guard case .identifier(let first) = peek().kind else { return false }
        if case .identifier = peek(1).kind, peek(2).kind == .symbol(.assign) { return true }
        if ["array", "matrix", "map"].contains(first), peek(1).kind == .symbol(.less) { return true }
        if peek(1).kind == .symbol(.leftBracket), peek(2).kind == .symbol(.rightBracket) { return true }
        return false
    }

    private func isFunctionDeclaration() -> Bool {
        guard peek(1).kind == .symbol(.leftParen) else { return false }
        var depth = 0
        var offset = 1
        while position + offset < tokens.count {
            switch tokens[position + offset].kind {
            case .symbol(.leftParen): depth += 1
            case .symbol(.rightParen):
                depth -= 1
                if depth == 0 { return peek(offset + 1).kind == .symbol(.arrow) }
            case .newline, .endOfFile: return false
            default: break
            }
            offset += 1
        }
        return false
    }

    private func isTupleDeclaration() -> Bool {
        var offset = 1
        while position + offset < tokens.count {
            switch tokens[position + offset].kind {
            case .symbol(.rightBracket): return peek(offset + 1).kind == .symbol(.assign)
            case .identifier, .symbol(.comma): offset += 1
            default: return false
            }
        }
        return false
    }

    // MARK: - Token helpers

    private func peek(_ offset: Int = 0) -> Token {
        tokens[min(position + offset, tokens.count - 1)]
    }

    private func check(_ kind: Token.Kind) -> Bool { peek().kind == kind }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        lastConsumed = token.kind
        return token
    }

    private mutating func match(_ kind: Token.Kind) -> Bool {
        guard check(kind) else { return false }
        advance()
        return true
    }

    private mutating func error(at token: Token, _ message: String) -> Failure {
        diagnostics.append(PineDiagnostic(at: token.location, length: token.length, message))
        return Failure()
    }

    /// Skips the rest of the broken statement: to the end of its line, and past any block under it.
    private mutating func recover() {
        while !check(.newline), !check(.endOfFile), !check(.dedent) {
            if check(.indent) { advance(); skipBlock(); continue }
            advance()
        }
        _ = match(.newline)
        if check(.indent) { advance(); skipBlock() }
    }

    private mutating func skipBlock() {
        var depth = 1
        while depth > 0, !check(.endOfFile) {
            let token = advance()
            if token.kind == .indent { depth += 1 } else if token.kind == .dedent { depth -= 1 }
        }
    }
}
