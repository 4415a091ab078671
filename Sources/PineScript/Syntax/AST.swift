/// The plain syntax tree of a Pine script, as the parser builds it. Names are resolved and types
/// checked later, by the compiler.
indirect enum Expr: Sendable {
    case intLiteral(Int64, SourceLocation)
    case floatLiteral(Double, SourceLocation)
    case boolLiteral(Bool, SourceLocation)
    case stringLiteral(String, SourceLocation)
    case colorLiteral(UInt32, SourceLocation)
    case na(SourceLocation)
    /// A possibly dotted name: `close`, `ta.sma`, `strategy.long`, `color.red`.
    case name(String, SourceLocation, length: Int)
    case call(callee: String, typeArgument: String?, arguments: [Argument], SourceLocation, length: Int)
    case history(Expr, offset: Expr, SourceLocation)
    case unary(UnaryOperator, Expr, SourceLocation)
    case binary(BinaryOperator, Expr, Expr, SourceLocation)
    case ternary(Expr, Expr, Expr, SourceLocation)
    case tuple([Expr], SourceLocation)
    case ifExpr(IfStatement)
    case switchExpr(SwitchStatement)
    case forExpr(ForStatement)
    case member(Expr, String, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .intLiteral(_, let l), .floatLiteral(_, let l), .boolLiteral(_, let l), .stringLiteral(_, let l),
             .colorLiteral(_, let l), .na(let l), .name(_, let l, _), .call(_, _, _, let l, _), .history(_, _, let l),
             .unary(_, _, let l), .binary(_, _, _, let l), .ternary(_, _, _, let l), .tuple(_, let l), .member(_, _, let l):
            l
        case .ifExpr(let statement): statement.location
        case .switchExpr(let statement): statement.location
        case .forExpr(let statement): statement.location
        }
    }
}

struct Argument: Sendable {
    var label: String?
    var value: Expr
    var location: SourceLocation
}

enum UnaryOperator: Sendable { case negate, plus, not }

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", greater = ">", lessEqual = "<=", greaterEqual = ">="
    case and, or
}

enum DeclarationMode: Sendable { case everyBar, `var`, varip }

/// A type written in a declaration: `float x = …`, `series int`, `array<float>`.
struct TypeAnnotation: Sendable {
    var name: String
    var element: String?
}

struct IfStatement: Sendable {
    var condition: Expr
    var then: [Statement]
    /// `else if` chains are an `else` block holding one `if`.
    var otherwise: [Statement]?
    var location: SourceLocation
}

struct SwitchStatement: Sendable {
    struct Case: Sendable {
        /// nil for the default case (`=>` with nothing before it).
        var match: Expr?
        var body: [Statement]
    }

    /// nil for the condition-less form, whose cases are boolean conditions.
    var subject: Expr?
    var cases: [Case]
    var location: SourceLocation
}

struct ForStatement: Sendable {
    enum Range: Sendable {
        case count(from: Expr, to: Expr, by: Expr?)
        case each(collection: Expr)
    }

    var variable: String
    /// `for [i, v] in array`: the index variable.
    var indexVariable: String?
    var range: Range
    var body: [Statement]
    var location: SourceLocation
}

struct FunctionDeclaration: Sendable {
    struct Parameter: Sendable {
        var name: String
        var defaultValue: Expr?
        var type: TypeAnnotation?
    }

    var name: String
    var parameters: [Parameter]
    var body: [Statement]
    var location: SourceLocation
}

indirect enum Statement: Sendable {
    case declaration(mode: DeclarationMode, type: TypeAnnotation?, name: String, value: Expr, SourceLocation)
    case tupleDeclaration(names: [String], value: Expr, SourceLocation)
    case assignment(name: String, op: BinaryOperator?, value: Expr, SourceLocation)
    case expression(Expr)
    case ifStatement(IfStatement)
    case switchStatement(SwitchStatement)
    case forStatement(ForStatement)
    case whileStatement(condition: Expr, body: [Statement], SourceLocation)
    case breakStatement(SourceLocation)
    case continueStatement(SourceLocation)
    case function(FunctionDeclaration)

    var location: SourceLocation {
        switch self {
        case .declaration(_, _, _, _, let l), .tupleDeclaration(_, _, let l), .assignment(_, _, _, let l),
             .whileStatement(_, _, let l), .breakStatement(let l), .continueStatement(let l):
            l
        case .expression(let expr): expr.location
        case .ifStatement(let s): s.location
        case .switchStatement(let s): s.location
        case .forStatement(let s): s.location
        case .function(let f): f.location
        }
    }
}
