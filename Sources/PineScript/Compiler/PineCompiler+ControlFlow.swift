import TradingCore

/// Runs a block's statements in order, passing `break`/`continue` up to the enclosing loop.
@inline(__always)
func runBlock(_ codes: [StatementCode], _ runtime: PineRuntime) -> ControlFlow {
    for code in codes {
        let flow = code(runtime)
        if flow != .normal { return flow }
    }
    return .normal
}

extension PineCompiler {
    /// Loop iterations allowed per bar across all loops, like TradingView's loop limit.
    static let loopIterationBudget = 1_000_000

    struct CompiledBlock {
        var codes: [StatementCode]
        /// The value of the block's last statement (for if/switch/for expressions and functions).
        var value: CompiledValue?
    }

    func compileBlock(_ statements: [Statement], in parent: Scope, wantsValue: Bool, scope givenScope: Scope? = nil) throws -> CompiledBlock {
        let scope = givenScope ?? Scope(parent: parent)
        var codes: [StatementCode] = []
        var value: CompiledValue?
        var failed = false
        for (offset, statement) in statements.enumerated() {
            let isLast = offset == statements.count - 1
            do {
                if isLast && wantsValue {
                    switch statement {
                    case .expression(let expr):
                        value = try compileExpression(expr, in: scope)
                        continue
                    case .ifStatement(let s):
                        value = try compileIf(s, in: scope, wantsValue: true)
                        continue
                    case .switchStatement(let s):
                        value = try compileSwitch(s, in: scope, wantsValue: true)
                        continue
                    case .declaration(_, _, let name, _, let location), .assignment(let name, _, _, let location):
                        if let code = try compileStatement(statement, in: scope) { codes.append(code) }
                        value = try compileName(name, at: location, length: name.count, in: scope)
                        continue
                    default:
                        break
                    }
                }
                if let code = try compileStatement(statement, in: scope) { codes.append(code) }
            } catch {
                failed = true
                poison(statement, in: scope)
            }
        }
        if failed { throw Abort() }
        return CompiledBlock(codes: codes, value: value)
    }

    // MARK: - if

    func compileIfStatement(_ statement: IfStatement, in scope: Scope) throws -> StatementCode {
        let test = try boolCode(try compileExpression(statement.condition, in: scope), at: statement.condition.location)
        let then = try compileBlock(statement.then, in: scope, wantsValue: false).codes
        guard let otherwise = statement.otherwise else {
            if then.count == 1 {
                let only = then[0]
                return { runtime in test(runtime) ? only(runtime) : .normal }
            }
            return { runtime in test(runtime) ? runBlock(then, runtime) : .normal }
        }
        let elseCodes = try compileBlock(otherwise, in: scope, wantsValue: false).codes
        return { runtime in test(runtime) ? runBlock(then, runtime) : runBlock(elseCodes, runtime) }
    }

    func compileIf(_ statement: IfStatement, in scope: Scope, wantsValue: Bool) throws -> CompiledValue {
        let test = try boolCode(try compileExpression(statement.condition, in: scope), at: statement.condition.location)
        let then = try compileBlock(statement.then, in: scope, wantsValue: true)
        let otherwise = try statement.otherwise.map { try compileBlock($0, in: scope, wantsValue: true) }
        return try joinBranches([(test, then)], otherwise: otherwise, at: statement.location)
    }

    /// The value of an if/switch: each branch runs its statements then yields its last value;
    /// a branch without a value (or a missing else) yields na.
    private func joinBranches(_ branches: [(BoolCode, CompiledBlock)], otherwise: CompiledBlock?, at location: SourceLocation) throws -> CompiledValue {
        let values = branches.map { $0.1.value ?? .na } + [otherwise?.value ?? .na]
        var type = values[0].type
        var allNA = values[0].isNA
        for value in values.dropFirst() {
            if value.isNA { continue }
            if allNA { type = value.type; allNA = false; continue }
            if value.type == type { continue }
            if value.type.isNumeric && type.isNumeric { type = .float; continue }
            if value.type == .void || type == .void { type = .void; continue }
            throw error("the branches return different types: \(type) and \(value.type)", at: location)
        }
        let tests = branches.map(\.0)
        let blocks = branches.map(\.1.codes) + [otherwise?.codes ?? []]
        func pick(_ runtime: PineRuntime) -> Int {
            for (index, test) in tests.enumerated() where test(runtime) { return index }
            return tests.count
        }
        switch type {
        case .string:
            let codes = try values.map { try stringCode($0, at: location) }
            return .string { runtime in let i = pick(runtime); _ = runBlock(blocks[i], runtime); return codes[i](runtime) }
        case .bool:
            let codes = try values.map { try boolCode($0, at: location) }
            return .bool { runtime in let i = pick(runtime); _ = runBlock(blocks[i], runtime); return codes[i](runtime) }
        case .int, .float, .color:
            let codes = try values.map { try numberCode($0, at: location) }
            var result = CompiledValue.number(type) { runtime in let i = pick(runtime); _ = runBlock(blocks[i], runtime); return codes[i](runtime) }
            result.isNA = allNA
            return result
        default:
            let discards = values.map { $0.isNA ? { (_: PineRuntime) in ControlFlow.normal } : discard($0) }
            return .void { runtime in let i = pick(runtime); _ = runBlock(blocks[i], runtime); _ = discards[i](runtime) }
        }
    }

    // MARK: - switch

    private func switchTests(_ statement: SwitchStatement, in scope: Scope) throws -> [BoolCode] {
        var tests: [BoolCode] = []
        let subject = try statement.subject.map { try compileExpression($0, in: scope) }
        for item in statement.cases {
            guard let match = item.match else { continue }
            let matchValue = try compileExpression(match, in: scope)
            if let subject {
                tests.append(try boolCode(try binary(.equal, subject, matchValue, at: match.location), at: match.location))
            } else {
                tests.append(try boolCode(matchValue, at: match.location))
            }
        }
        return tests
    }

    func compileSwitchStatement(_ statement: SwitchStatement, in scope: Scope) throws -> StatementCode {
        let tests = try switchTests(statement, in: scope)
        var bodies: [[StatementCode]] = []
        var defaultBody: [StatementCode] = []
        for item in statement.cases {
            let block = try compileBlock(item.body, in: scope, wantsValue: false).codes
            if item.match == nil { defaultBody = block } else { bodies.append(block) }
        }
        return { runtime in
            for (index, test) in tests.enumerated() where test(runtime) { return runBlock(bodies[index], runtime) }
            return runBlock(defaultBody, runtime)
        }
    }

    func compileSwitch(_ statement: SwitchStatement, in scope: Scope, wantsValue: Bool) throws -> CompiledValue {
        let tests = try switchTests(statement, in: scope)
        var branches: [(BoolCode, CompiledBlock)] = []
        var otherwise: CompiledBlock?
        var index = 0
        for item in statement.cases {
            let block = try compileBlock(item.body, in: scope, wantsValue: true)
            if item.match == nil {
                otherwise = block
            } else {
                branches.append((tests[index], block))
                index += 1
            }
        }
        return try joinBranches(branches, otherwise: otherwise, at: statement.location)
    }

    // MARK: - Loops

    func compileFor(_ statement: ForStatement, in scope: Scope) throws -> CompiledValue {
        let loopScope = Scope(parent: scope)
        let location = statement.location
        loopDepth += 1
        defer { loopDepth -= 1 }
        switch statement.range {
        case .count(let fromExpr, let toExpr, let byExpr):
            let from = try numberCode(try compileExpression(fromExpr, in: scope), at: fromExpr.location)
            let to = try numberCode(try compileExpression(toExpr, in: scope), at: toExpr.location)
            let by = try byExpr.map { try numberCode(try compileExpression($0, in: scope), at: $0.location) }
            let counter = SeriesVariable()
            loopScope.declare(statement.variable, .number(counter, .int))
            let body = try compileBlock(statement.body, in: loopScope, wantsValue: true, scope: Scope(parent: loopScope))
            let result = try body.value.map { try numberCode($0, at: location) }
            let codes = body.codes
            let dynamicEnd = version >= 6
            let code: NumberCode = { runtime in
                var i = from(runtime)
                var end = to(runtime)
                guard i.isFinite, end.isFinite else { return .nan }
                var step = by?(runtime) ?? (end >= i ? 1 : -1)
                if step == 0 || step.isNaN { return .nan }
                if (end - i) * step < 0 { return .nan }
                step = abs(step) * (end >= i ? 1 : -1)
                var last = Double.nan
                while step > 0 ? i <= end : i >= end {
                    runtime.loopBudget -= 1
                    if runtime.loopBudget < 0 {
                        runtime.fail("loop takes too long: more than \(PineCompiler.loopIterationBudget) iterations on one bar", at: location)
                        break
                    }
                    counter.value = i
                    let flow = runBlock(codes, runtime)
                    if flow == .breakLoop { break }
                    if let result { last = result(runtime) }
                    i += step
                    if dynamicEnd { end = to(runtime) }
                }
                return last
            }
            return CompiledValue(type: body.value?.type == .int ? .int : .float, code: .number(code))
        case .each(let collectionExpr):
            let collection = try compileExpression(collectionExpr, in: scope)
            guard case .array(let arrayCode) = collection.code, case .array(let element) = collection.type else {
                throw error("'for … in' loops over an array, found \(collection.type)", at: collectionExpr.location)
            }
            let indexVariable = SeriesVariable()
            if let name = statement.indexVariable { loopScope.declare(name, .number(indexVariable, .int)) }
            let valueNumber = SeriesVariable()
            let valueString = StringVariable()
            if element == .string {
                loopScope.declare(statement.variable, .string(valueString))
            } else {
                loopScope.declare(statement.variable, .number(valueNumber, element))
            }
            let body = try compileBlock(statement.body, in: loopScope, wantsValue: false, scope: Scope(parent: loopScope))
            let codes = body.codes
            return .void { runtime in
                guard let array = arrayCode(runtime) else { return }
                var index = 0
                while index < array.count {
                    runtime.loopBudget -= 1
                    if runtime.loopBudget < 0 {
                        runtime.fail("loop takes too long: more than \(PineCompiler.loopIterationBudget) iterations on one bar", at: location)
                        break
                    }
                    indexVariable.value = Double(index)
                    if element == .string { valueString.value = array.strings[index] } else { valueNumber.value = array.numbers[index] }
                    if runBlock(codes, runtime) == .breakLoop { break }
                    index += 1
                }
            }
        }
    }

    func compileWhile(condition: Expr, body: [Statement], at location: SourceLocation, in scope: Scope) throws -> StatementCode {
        let test = try boolCode(try compileExpression(condition, in: scope), at: condition.location)
        loopDepth += 1
        defer { loopDepth -= 1 }
        let codes = try compileBlock(body, in: scope, wantsValue: false).codes
        return { runtime in
            while test(runtime) {
                runtime.loopBudget -= 1
                if runtime.loopBudget < 0 {
                    runtime.fail("loop takes too long: more than \(PineCompiler.loopIterationBudget) iterations on one bar", at: location)
                    break
                }
                if runBlock(codes, runtime) == .breakLoop { break }
            }
            return .normal
        }
    }

    // MARK: - User functions

    func compileUserCall(_ function: FunctionDeclaration, arguments: [Argument], at location: SourceLocation, in scope: Scope) throws -> CompiledValue {
        if functionStack.contains(function.name) {
            throw error("'\(function.name)' calls itself: recursion is not allowed in Pine", at: location, length: function.name.count)
        }
        guard arguments.count <= function.parameters.count || arguments.contains(where: { $0.label != nil }) else {
            throw error("'\(function.name)' takes \(function.parameters.count) arguments, got \(arguments.count)", at: location, length: function.name.count)
        }
        var bound = [Expr?](repeating: nil, count: function.parameters.count)
        var positional = 0
        for argument in arguments {
            if let label = argument.label {
                guard let index = function.parameters.firstIndex(where: { $0.name == label }) else {
                    throw error("'\(label)' is not a parameter of '\(function.name)'", at: argument.location, length: label.count)
                }
                bound[index] = argument.value
            } else {
                guard positional < bound.count else {
                    throw error("too many arguments for '\(function.name)'", at: argument.location)
                }
                bound[positional] = argument.value
                positional += 1
            }
        }
        let functionScope = Scope(parent: globalScope, isFunctionBody: true)
        var prologue: [StatementCode] = []
        for (parameter, argument) in zip(function.parameters, bound) {
            guard let expr = argument ?? parameter.defaultValue else {
                throw error("missing argument '\(parameter.name)' in the call to '\(function.name)'", at: location, length: function.name.count)
            }
            var value = try compileExpression(expr, in: argument == nil ? globalScope : scope)
            if let annotation = parameter.type, let type = PineType(annotation: annotation), type == .float, value.type == .int {
                value.type = .float
            }
            if value.constant != nil {
                functionScope.declare(parameter.name, .constant(value))
                continue
            }
            switch value.type {
            case .string:
                let variable = StringVariable()
                let code = try stringCode(value, at: expr.location)
                functionScope.declare(parameter.name, .string(variable))
                prologue.append { runtime in variable.value = code(runtime); return .normal }
            case .array(let element):
                guard case .array(let code) = value.code else { throw Abort() }
                let variable = ArrayVariable()
                functionScope.declare(parameter.name, .array(variable, element))
                prologue.append { runtime in variable.value = code(runtime); return .normal }
            case .int, .float, .bool, .color:
                let variable = SeriesVariable()
                variables.append(variable)
                let code = try numericStorageCode(value, as: value.type, at: expr.location)
                functionScope.declare(parameter.name, .number(variable, value.type))
                prologue.append { runtime in variable.commit(code(runtime)); return .normal }
            default:
                throw error("cannot pass a value of type \(value.type) to '\(parameter.name)'", at: expr.location)
            }
        }
        functionStack.append(function.name)
        functionDepth += 1
        defer {
            functionStack.removeLast()
            functionDepth -= 1
        }
        let body = try compileBlock(function.body, in: functionScope, wantsValue: true, scope: functionScope)
        let steps = prologue + body.codes
        let run: VoidCode = { runtime in _ = runBlock(steps, runtime) }
        guard let result = body.value else { return .void(run) }
        switch result.code {
        case .number(let code):
            var value = CompiledValue(type: result.type, code: .number { runtime in run(runtime); return code(runtime) })
            value.isNA = result.isNA
            return value
        case .bool(let code): return .bool { runtime in run(runtime); return code(runtime) }
        case .string(let code): return .string { runtime in run(runtime); return code(runtime) }
        case .array(let code): return CompiledValue(type: result.type, code: .array { runtime in run(runtime); return code(runtime) })
        case .void(let code): return .void { runtime in run(runtime); code(runtime) }
        case .tuple(let parts):
            var value = CompiledValue(type: .tuple(parts.map(\.type)), code: .tuple(parts))
            let inner = result.prepare
            value.prepare = { runtime in run(runtime); inner?(runtime) }
            return value
        }
    }
}
