import TradingCore

/// One closure that runs `codes` in order, passing `break`/`continue` up to the enclosing loop.
///
/// The statements are chained closure to closure (a balanced tree), not kept in an array: calling
/// a closure captured by another is a direct call, while closures stored in an array are copied
/// (reference-counted) and reabstracted on every call.
func sequence(_ codes: [Step]) -> StatementCode {
    switch codes.count {
    case 0:
        return { _ in .normal }
    case 1:
        return codes[0].run
    case 2:
        let first = codes[0].run, second = codes[1].run
        return { runtime in
            let flow = first(runtime)
            return flow == .normal ? second(runtime) : flow
        }
    default:
        let middle = codes.count / 2
        let first = sequence(Array(codes[..<middle])), second = sequence(Array(codes[middle...]))
        return { runtime in
            let flow = first(runtime)
            return flow == .normal ? second(runtime) : flow
        }
    }
}

extension PineCompiler {
    /// Loop iterations allowed per bar across all loops, like TradingView's loop limit.
    static let loopIterationBudget = 1_000_000

    struct CompiledBlock {
        var codes: [Step]
        /// The value of the block's last statement (for if/switch/for expressions and functions).
        var value: CompiledValue?
    }

    func compileBlock(_ statements: [Statement], in parent: Scope, wantsValue: Bool, scope givenScope: Scope? = nil) throws -> CompiledBlock {
        let scope = givenScope ?? Scope(parent: parent)
        var codes: [Step] = []
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
                        if let code = try compileStatement(statement, in: scope) { codes.append(Step(code)) }
                        value = try compileName(name, at: location, length: name.count, in: scope)
                        continue
                    default:
                        break
                    }
                }
                if let code = try compileStatement(statement, in: scope) { codes.append(Step(code)) }
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
        let test = try boolOperand(try compileExpression(statement.condition, in: scope), at: statement.condition.location)
        let then = sequence(try compileBlock(statement.then, in: scope, wantsValue: false).codes)
        guard let otherwise = statement.otherwise else {
            return { runtime in test.value(runtime) ? then(runtime) : .normal }
        }
        let elseCode = sequence(try compileBlock(otherwise, in: scope, wantsValue: false).codes)
        return { runtime in test.value(runtime) ? then(runtime) : elseCode(runtime) }
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
        let blocks = (branches.map(\.1.codes) + [otherwise?.codes ?? []]).map { Step(sequence($0)) }
        if tests.count == 1 {
            // if/else: no arrays on the per-bar path.
            let test = tests[0], then = blocks[0].run, otherwiseCode = blocks[1].run
            switch type {
            case .string:
                let a = try stringCode(values[0], at: location), b = try stringCode(values[1], at: location)
                return .string { runtime in
                    if test(runtime) { _ = then(runtime); return a(runtime) }
                    _ = otherwiseCode(runtime); return b(runtime)
                }
            case .bool:
                let a = try boolCode(values[0], at: location), b = try boolCode(values[1], at: location)
                return .bool { runtime in
                    if test(runtime) { _ = then(runtime); return a(runtime) }
                    _ = otherwiseCode(runtime); return b(runtime)
                }
            case .int, .float, .color:
                let a = try numberCode(values[0], at: location), b = try numberCode(values[1], at: location)
                var result = CompiledValue.number(type) { runtime in
                    if test(runtime) { _ = then(runtime); return a(runtime) }
                    _ = otherwiseCode(runtime); return b(runtime)
                }
                result.isNA = allNA
                return result
            default:
                let a = values[0].isNA ? { (_: PineRuntime) in ControlFlow.normal } : discard(values[0])
                let b = values[1].isNA ? { (_: PineRuntime) in ControlFlow.normal } : discard(values[1])
                return .void { runtime in
                    if test(runtime) { _ = then(runtime); _ = a(runtime) } else { _ = otherwiseCode(runtime); _ = b(runtime) }
                }
            }
        }
        let testSteps = tests.map { test in Step { test($0) ? .breakLoop : .normal } }
        func pick(_ runtime: PineRuntime) -> Int {
            for (index, test) in testSteps.enumerated() where test.run(runtime) == .breakLoop { return index }
            return testSteps.count
        }
        switch type {
        case .string:
            let strings = try values.map { try stringCode($0, at: location) }
            return .string { runtime in let i = pick(runtime); _ = blocks[i].run(runtime); return strings[i](runtime) }
        case .bool:
            let codes = try values.map { try boolCode($0, at: location) }
            return .bool { runtime in let i = pick(runtime); _ = blocks[i].run(runtime); return codes[i](runtime) }
        case .int, .float, .color:
            let codes = try values.map { try numberCode($0, at: location) }
            var result = CompiledValue.number(type) { runtime in let i = pick(runtime); _ = blocks[i].run(runtime); return codes[i](runtime) }
            result.isNA = allNA
            return result
        default:
            let discards = values.map { $0.isNA ? Step { _ in .normal } : Step(discard($0)) }
            return .void { runtime in let i = pick(runtime); _ = blocks[i].run(runtime); _ = discards[i].run(runtime) }
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
        var bodies: [Step] = []
        var defaultBody: StatementCode = { _ in .normal }
        for item in statement.cases {
            let block = sequence(try compileBlock(item.body, in: scope, wantsValue: false).codes)
            if item.match == nil { defaultBody = block } else { bodies.append(Step(block)) }
        }
        return { runtime in
            for (index, test) in tests.enumerated() where test(runtime) { return bodies[index].run(runtime) }
            return defaultBody(runtime)
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
            // A for loop's value (`x = for …`) is its last numeric statement's; others are ignored.
            let result = try body.value.flatMap { $0.type.isNumeric || $0.type == .color ? try numberCode($0, at: location) : nil }
            let codes = sequence(body.codes)
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
                    let flow = codes(runtime)
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
            let codes = sequence(body.codes)
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
                    if codes(runtime) == .breakLoop { break }
                    index += 1
                }
            }
        }
    }

    func compileWhile(condition: Expr, body: [Statement], at location: SourceLocation, in scope: Scope) throws -> StatementCode {
        let test = try boolCode(try compileExpression(condition, in: scope), at: condition.location)
        loopDepth += 1
        defer { loopDepth -= 1 }
        let codes = sequence(try compileBlock(body, in: scope, wantsValue: false).codes)
        return { runtime in
            while test(runtime) {
                runtime.loopBudget -= 1
                if runtime.loopBudget < 0 {
                    runtime.fail("loop takes too long: more than \(PineCompiler.loopIterationBudget) iterations on one bar", at: location)
                    break
                }
                if codes(runtime) == .breakLoop { break }
            }
            return .normal
        }
    }

    // MARK: - User functions

    func compileUserCall(_ function: FunctionDeclaration, arguments: [Argument], at location: SourceLocation, in scope: Scope) throws -> CompiledValue {
        inlinedCalls += 1
        if inlinedCalls > Self.maximumInlinedCalls {
            throw error("the script calls its functions more than \(Self.maximumInlinedCalls) times once expanded (every call site gets its own copy, as in Pine)", at: location, length: function.name.count)
        }
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
        var prologue: [Step] = []
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
                prologue.append(Step { runtime in variable.value = code(runtime); return .normal })
            case .array(let element):
                guard case .array(let code) = value.code else { throw Abort() }
                let variable = ArrayVariable()
                functionScope.declare(parameter.name, .array(variable, element))
                prologue.append(Step { runtime in variable.value = code(runtime); return .normal })
            case .int, .float, .bool, .color:
                let variable = SeriesVariable()
                variables.append(variable)
                let code = try numericStorageCode(value, as: value.type, at: expr.location)
                functionScope.declare(parameter.name, .number(variable, value.type))
                prologue.append(Step { runtime in variable.commit(code(runtime)); return .normal })
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
        let compiled = try compileBlock(function.body, in: functionScope, wantsValue: true, scope: functionScope)
        let steps = prologue + compiled.codes
        let body = sequence(steps)
        let run: VoidCode = { runtime in _ = body(runtime) }
        guard let result = compiled.value else { return .void(run) }
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
