import TradingCore

/// Resolves names and types once and turns the syntax tree into closures, so that the per-bar
/// loop touches no strings or dictionaries: every variable is an object the closures captured,
/// every built-in call site owns its state, every constant is folded.
final class PineCompiler {
    struct Abort: Error {}

    var diagnostics: [PineDiagnostic] = []
    let version: Int
    let environment: PineEnvironment
    let inputOverrides: [String: String]
    var usedOverrides: Set<String> = []
    let globalScope = Scope(parent: nil)
    var declaration = PineDeclaration()
    var inputs: [PineInputSpec] = []
    var plots: [PlotRecorder] = []
    var variables: [SeriesVariable] = []
    var stateResets: [() -> Void] = []
    /// Run at the start of every bar, before the script (built-in series such as `ta.obv`).
    var perBarUpdates: [VoidCode] = []
    var globalSeries: [String: SeriesVariable] = [:]
    /// Names reassigned with `:=` or a compound operator anywhere: never folded into constants.
    var reassignedNames: Set<String> = []
    /// The variable being declared, so that `x = input(…)` knows its input's variable name.
    var declaringName: String?
    var functionDepth = 0
    var functionStack: [String] = []
    /// Function call sites compiled so far (each is its own copy of the body).
    var inlinedCalls = 0
    static let maximumInlinedCalls = 20_000
    /// TradingView's own limit on `max_bars_back`.
    static let maximumBarsBack = 5_000
    /// Longest string a script may build (bytes of UTF-8).
    static let maximumStringBytes = 1 << 20
    lazy var builtins: [String: BuiltinFunction] = makeBuiltinTable()

    init(version: Int, environment: PineEnvironment, inputs: [String: String]) {
        self.version = version
        self.environment = environment
        self.inputOverrides = inputs
    }

    // MARK: - Diagnostics

    func error(_ message: String, at location: SourceLocation, length: Int = 1) -> Abort {
        diagnostics.append(PineDiagnostic(at: location, length: length, message))
        return Abort()
    }

    func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(PineDiagnostic(.warning, at: location, message))
    }

    // MARK: - Script

    func compileScript(_ statements: [Statement]) -> [Step] {
        collectReassignments(statements)
        var code: [Step] = []
        for statement in statements {
            do {
                if let compiled = try compileStatement(statement, in: globalScope) { code.append(Step(compiled)) }
            } catch {
                poison(statement, in: globalScope)
            }
        }
        return code
    }

    /// After a failed declaration, its names resolve to `.invalid` so one mistake is one error.
    func poison(_ statement: Statement, in scope: Scope) {
        switch statement {
        case .declaration(_, _, let name, _, _) where !scope.declaredHere(name):
            scope.declare(name, .invalid)
        case .tupleDeclaration(let names, _, _):
            for name in names where !scope.declaredHere(name) { scope.declare(name, .invalid) }
        default:
            break
        }
    }

    private func collectReassignments(_ statements: [Statement]) {
        for statement in statements {
            switch statement {
            case .assignment(let name, _, let value, _):
                reassignedNames.insert(name)
                collectReassignments(in: value)
            case .declaration(_, _, _, let value, _):
                collectReassignments(in: value)
            case .tupleDeclaration(_, let value, _):
                collectReassignments(in: value)
            case .expression(let expr):
                collectReassignments(in: expr)
            case .ifStatement(let s):
                collectReassignments(s.then)
                collectReassignments(s.otherwise ?? [])
            case .switchStatement(let s):
                s.cases.forEach { collectReassignments($0.body) }
            case .forStatement(let s):
                reassignedNames.insert(s.variable)
                collectReassignments(s.body)
            case .whileStatement(_, let body, _):
                collectReassignments(body)
            case .function(let f):
                collectReassignments(f.body)
            case .breakStatement, .continueStatement:
                break
            }
        }
    }

    private func collectReassignments(in expr: Expr) {
        switch expr {
        case .ifExpr(let s):
            collectReassignments(s.then)
            collectReassignments(s.otherwise ?? [])
        case .switchExpr(let s):
            s.cases.forEach { collectReassignments($0.body) }
        case .forExpr(let s):
            reassignedNames.insert(s.variable)
            collectReassignments(s.body)
        default:
            break
        }
    }

    // MARK: - Statements

    func compileStatement(_ statement: Statement, in scope: Scope) throws -> StatementCode? {
        switch statement {
        case .declaration(let mode, let annotation, let name, let value, let location):
            return try compileDeclaration(mode: mode, annotation: annotation, name: name, value: value, at: location, in: scope)
        case .tupleDeclaration(let names, let value, let location):
            return try compileTupleDeclaration(names: names, value: value, at: location, in: scope)
        case .assignment(let name, let op, let value, let location):
            return try compileAssignment(name: name, op: op, value: value, at: location, in: scope)
        case .expression(let expr):
            let value = try compileExpression(expr, in: scope)
            return value.isNoOp ? nil : discard(value)
        case .ifStatement(let statement):
            return try compileIfStatement(statement, in: scope)
        case .switchStatement(let statement):
            return try compileSwitchStatement(statement, in: scope)
        case .forStatement(let statement):
            return discard(try compileFor(statement, in: scope))
        case .whileStatement(let condition, let body, let location):
            return try compileWhile(condition: condition, body: body, at: location, in: scope)
        case .breakStatement(let location):
            guard loopDepth > 0 else { throw error("'break' is only allowed inside a loop", at: location, length: 5) }
            return { _ in .breakLoop }
        case .continueStatement(let location):
            guard loopDepth > 0 else { throw error("'continue' is only allowed inside a loop", at: location, length: 8) }
            return { _ in .continueLoop }
        case .function(let function):
            guard scope === globalScope else {
                throw error("functions can only be declared in the global scope", at: function.location, length: function.name.count)
            }
            if builtins[function.name] != nil || globalScope.declaredHere(function.name) {
                throw error("'\(function.name)' is already defined", at: function.location, length: function.name.count)
            }
            globalScope.declare(function.name, .function(function))
            return nil
        }
    }

    var loopDepth = 0

    func discard(_ value: CompiledValue) -> StatementCode {
        switch value.code {
        case .number(let code): return { runtime in _ = code(runtime); return .normal }
        case .bool(let code): return { runtime in _ = code(runtime); return .normal }
        case .string(let code): return { runtime in _ = code(runtime); return .normal }
        case .array(let code): return { runtime in _ = code(runtime); return .normal }
        case .void(let code): return { runtime in code(runtime); return .normal }
        case .tuple(let parts):
            return sequence(parts.map { Step(discard($0)) })
        }
    }

    private func compileDeclaration(mode: DeclarationMode, annotation: TypeAnnotation?, name: String, value: Expr,
                                    at location: SourceLocation, in scope: Scope) throws -> StatementCode? {
        if scope.declaredHere(name) {
            throw error("'\(name)' is already declared in this scope; use ':=' to assign a new value", at: location, length: name.count)
        }
        if isReservedName(name) {
            throw error("'\(name)' is a built-in name and cannot be redeclared", at: location, length: name.count)
        }
        var declaredType: PineType?
        if let annotation {
            guard let type = PineType(annotation: annotation) else {
                throw error("unknown type '\(annotation.name)'", at: location)
            }
            declaredType = type
        }
        declaringName = name
        let compiled = try compileExpression(value, in: scope)
        declaringName = nil
        var type = declaredType ?? compiled.type
        if declaredType == nil, compiled.isNA {
            throw error("cannot infer the type of '\(name)' from 'na': declare it with a type, e.g. 'float \(name) = na'", at: location, length: name.count)
        }
        if declaredType == .float, compiled.type == .int { type = .float }
        if let declaredType { try checkAssignable(compiled, to: declaredType, at: value.location) }

        // A never-reassigned variable with a known value is a constant (Pine's const/simple).
        if mode == .everyBar, let _ = compiled.constant, !reassignedNames.contains(name), type != .void {
            var constant = compiled
            constant.type = type
            constant.isNA = false
            scope.declare(name, .constant(constant))
            return nil
        }

        switch type {
        case .string:
            let variable = StringVariable()
            let code = try stringCode(compiled, at: value.location)
            scope.declare(name, .string(variable))
            if mode == .everyBar {
                return { runtime in variable.value = code(runtime); return .normal }
            }
            return { runtime in
                if !variable.isInitialized { variable.value = code(runtime); variable.isInitialized = true }
                return .normal
            }
        case .array(let element):
            let variable = ArrayVariable()
            guard case .array(let code) = compiled.code else {
                if compiled.isNA {
                    scope.declare(name, .array(variable, element))
                    return { _ in variable.value = nil; return .normal }
                }
                throw error("expected an array", at: value.location)
            }
            scope.declare(name, .array(variable, element))
            if mode == .everyBar {
                return { runtime in variable.value = code(runtime); return .normal }
            }
            return { runtime in
                if !variable.isInitialized { variable.value = code(runtime); variable.isInitialized = true }
                return .normal
            }
        case .void, .tuple:
            throw error("'\(name)' cannot hold a value of type \(compiled.type)", at: location, length: name.count)
        case .int, .float, .bool, .color:
            let variable = SeriesVariable()
            variables.append(variable)
            let code = try numericStorageCode(compiled, as: type, at: value.location)
            scope.declare(name, .number(variable, type))
            if mode == .everyBar {
                if type == .bool {
                    let test = try boolOperand(compiled, at: value.location)
                    return { runtime in variable.commit(test.value(runtime) ? 1 : 0); return .normal }
                }
                let operand = try numberOperand(compiled, at: value.location)
                return { runtime in variable.commit(operand.value(runtime)); return .normal }
            }
            return { runtime in
                if variable.isInitialized {
                    variable.commit(variable.value)
                } else {
                    variable.isInitialized = true
                    variable.commit(code(runtime))
                }
                return .normal
            }
        }
    }

    private func compileTupleDeclaration(names: [String], value: Expr, at location: SourceLocation, in scope: Scope) throws -> StatementCode? {
        let compiled = try compileExpression(value, in: scope)
        guard case .tuple(let parts) = compiled.code else {
            throw error("the right side returns \(compiled.type), not a tuple of \(names.count) values", at: value.location)
        }
        guard parts.count == names.count else {
            throw error("the right side returns \(parts.count) values, but \(names.count) names are declared", at: location)
        }
        var codes: [Step] = []
        for (name, part) in zip(names, parts) where name != "_" {
            if scope.declaredHere(name) {
                throw error("'\(name)' is already declared in this scope", at: location)
            }
            switch part.type {
            case .string:
                let variable = StringVariable()
                let code = try stringCode(part, at: location)
                scope.declare(name, .string(variable))
                codes.append(Step { runtime in variable.value = code(runtime); return .normal })
            case .int, .float, .bool, .color:
                let variable = SeriesVariable()
                variables.append(variable)
                let code = try numericStorageCode(part, as: part.type, at: location)
                scope.declare(name, .number(variable, part.type))
                codes.append(Step { runtime in variable.commit(code(runtime)); return .normal })
            default:
                throw error("a tuple element of type \(part.type) is not supported", at: location)
            }
        }
        // The parts read what one evaluation of the call stored: run it once, then read them.
        let all = sequence(codes)
        if let prepare = compiled.prepare {
            return { runtime in
                prepare(runtime)
                return all(runtime)
            }
        }
        return all
    }

    private func compileAssignment(name: String, op: BinaryOperator?, value: Expr, at location: SourceLocation, in scope: Scope) throws -> StatementCode? {
        guard let binding = scope.lookup(name) else {
            throw error("undeclared identifier '\(name)': declare it with '=' before reassigning it with ':='", at: location, length: name.count)
        }
        if scope.isFunctionBody, !scope.isLocal(name) {
            throw error("cannot modify the global variable '\(name)' in a function", at: location, length: name.count)
        }
        var compiled = try compileExpression(value, in: scope)
        if let op {
            let current = try compileExpression(.name(name, location, length: name.count), in: scope)
            compiled = try binary(op, current, compiled, at: location)
        }
        switch binding {
        case .number(let variable, let type):
            try checkAssignable(compiled, to: type, at: value.location)
            let code = try numericStorageCode(compiled, as: type, at: value.location)
            return { runtime in variable.value = code(runtime); return .normal }
        case .string(let variable):
            let code = try stringCode(compiled, at: value.location)
            return { runtime in variable.value = code(runtime); return .normal }
        case .array(let variable, _):
            guard case .array(let code) = compiled.code else { throw error("expected an array", at: value.location) }
            return { runtime in variable.value = code(runtime); return .normal }
        case .constant, .function:
            throw error("'\(name)' cannot be reassigned", at: location, length: name.count)
        case .invalid:
            throw Abort()
        }
    }

    private func checkAssignable(_ value: CompiledValue, to type: PineType, at location: SourceLocation) throws {
        if value.isNA || value.type == type { return }
        if type == .float, value.type == .int { return }
        if type == .int, value.type == .float { return } // Pine rounds nothing here; kept as float bits.
        if type == .bool, value.type.isNumeric, version <= 5 { return }
        throw error("cannot assign a value of type \(value.type) to a variable of type \(type)", at: location)
    }

    // MARK: - Conversions

    func numberCode(_ value: CompiledValue, at location: SourceLocation, what: String = "a number") throws -> NumberCode {
        switch value.code {
        case .number(let code) where value.type != .bool: return code
        case .bool(let code) where version <= 4: return { code($0) ? 1 : 0 }
        default:
            throw error("expected \(what), found \(value.type)", at: location)
        }
    }

    /// Numbers, colors and bools as the `Double` stored in a series slot.
    func numericStorageCode(_ value: CompiledValue, as type: PineType, at location: SourceLocation) throws -> NumberCode {
        if type == .bool {
            let code = try boolCode(value, at: location)
            return { code($0) ? 1 : 0 }
        }
        if case .number(let code) = value.code { return code }
        throw error("expected \(type), found \(value.type)", at: location)
    }

    func boolCode(_ value: CompiledValue, at location: SourceLocation) throws -> BoolCode {
        switch value.code {
        case .bool(let code): return code
        case .number(let code) where value.isNA: _ = code; return { _ in false }
        case .number(let code) where version <= 5 && value.type != .color:
            // v5 casts numbers to bool implicitly: na and 0 are false.
            return { let x = code($0); return !x.isNaN && x != 0 }
        default:
            throw error("expected a bool condition, found \(value.type)", at: location)
        }
    }

    func stringCode(_ value: CompiledValue, at location: SourceLocation) throws -> StringCode {
        switch value.code {
        case .string(let code): return code
        case .number where value.isNA: return { _ in "" }
        default: throw error("expected a string, found \(value.type)", at: location)
        }
    }

    func constantInt(_ value: CompiledValue?, name: String, at location: SourceLocation, minimum: Int? = nil) throws -> Int {
        guard let value else { throw error("missing argument '\(name)'", at: location) }
        guard case .number(let number)? = value.constant, number.isFinite else {
            throw error("'\(name)' must be a constant or input integer known before the first bar (a series length is not supported yet)", at: location)
        }
        let integer = Int(number.rounded(.towardZero))
        if let minimum, integer < minimum {
            throw error("'\(name)' must be at least \(minimum), got \(integer)", at: location)
        }
        return integer
    }

    func constantDouble(_ value: CompiledValue?, name: String, at location: SourceLocation) throws -> Double {
        guard let value else { throw error("missing argument '\(name)'", at: location) }
        guard case .number(let number)? = value.constant else {
            throw error("'\(name)' must be known before the first bar (a literal or an input)", at: location)
        }
        return number
    }

    func constantString(_ value: CompiledValue?, name: String, at location: SourceLocation) throws -> String {
        guard let value else { throw error("missing argument '\(name)'", at: location) }
        if value.isNA { return "" }
        guard case .string(let string)? = value.constant else {
            throw error("'\(name)' must be a constant string", at: location)
        }
        return string
    }

    func constantBool(_ value: CompiledValue?, name: String, at location: SourceLocation) throws -> Bool {
        guard let value else { throw error("missing argument '\(name)'", at: location) }
        switch value.constant {
        case .bool(let flag)?: return flag
        case .number(let number)?: return number != 0 && !number.isNaN
        default: throw error("'\(name)' must be a constant bool", at: location)
        }
    }

    private func isReservedName(_ name: String) -> Bool {
        ["open", "high", "low", "close", "volume", "time", "bar_index", "na", "hl2", "hlc3", "ohlc4", "hlcc4"].contains(name)
    }
}
