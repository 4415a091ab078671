import TradingCore

extension PineCompiler {
    func compileExpression(_ expr: Expr, in scope: Scope) throws -> CompiledValue {
        switch expr {
        case .intLiteral(let value, _):
            return .constantNumber(Double(value), type: .int)
        case .floatLiteral(let value, _):
            return .constantNumber(value)
        case .boolLiteral(let value, _):
            return .constantBool(value)
        case .stringLiteral(let value, _):
            return .constantString(value)
        case .colorLiteral(let value, _):
            return .constantNumber(Double(value), type: .color)
        case .na:
            return .na
        case .name(let name, let location, let length):
            return try compileName(name, at: location, length: length, in: scope)
        case .member(let base, let member, let location):
            _ = base
            throw error("'.\(member)' on a value is not supported (user-defined types are not supported yet)", at: location)
        case .call(let callee, let typeArgument, let arguments, let location, let length):
            return try compileCall(callee, typeArgument: typeArgument, arguments: arguments, at: location, length: length, in: scope)
        case .history(let base, let offsetExpr, let location):
            return try compileHistory(base, offset: offsetExpr, at: location, in: scope)
        case .unary(let op, let operand, let location):
            return try unary(op, try compileExpression(operand, in: scope), at: location)
        case .binary(let op, let left, let right, let location):
            let lhs = try compileExpression(left, in: scope)
            let rhs = try compileExpression(right, in: scope)
            return try binary(op, lhs, rhs, at: location)
        case .ternary(let condition, let then, let otherwise, let location):
            let testOperand = try boolOperand(try compileExpression(condition, in: scope), at: condition.location)
            let test: BoolCode = { testOperand.value($0) }
            let a = try compileExpression(then, in: scope)
            let b = try compileExpression(otherwise, in: scope)
            return try select(test, a, b, at: location)
        case .tuple(let elements, let location):
            guard functionDepth > 0 else {
                throw error("a tuple '[…]' can only be returned from a function (use array.from() for arrays)", at: location)
            }
            return CompiledValue(type: .tuple([]), code: .tuple(try elements.map { try compileExpression($0, in: scope) }))
        case .ifExpr(let statement):
            return try compileIf(statement, in: scope, wantsValue: true)
        case .switchExpr(let statement):
            return try compileSwitch(statement, in: scope, wantsValue: true)
        case .forExpr(let statement):
            return try compileFor(statement, in: scope)
        }
    }

    // MARK: - Names

    func compileName(_ name: String, at location: SourceLocation, length: Int, in scope: Scope) throws -> CompiledValue {
        if let binding = scope.lookup(name) {
            switch binding {
            case .number(let variable, let type):
                var value = CompiledValue(type: type, code: type == .bool ? .bool { _ in variable.value != 0 && !variable.value.isNaN } : .number { _ in variable.value })
                value.variable = variable
                return value
            case .string(let variable):
                return .string { _ in variable.value }
            case .array(let variable, let element):
                return CompiledValue(type: .array(element), code: .array { _ in variable.value })
            case .constant(let value):
                return value
            case .function:
                throw error("'\(name)' is a function: call it with parentheses", at: location, length: length)
            case .invalid:
                throw Abort()
            }
        }
        if let value = try builtinVariable(name, at: location) { return value }
        if builtins[name] != nil {
            throw error("'\(name)' is a function: call it with parentheses", at: location, length: length)
        }
        throw error(unknownNameMessage(name), at: location, length: length)
    }

    func unknownNameMessage(_ name: String) -> String {
        let namespace = name.split(separator: ".").first.map(String.init) ?? name
        if Self.unsupportedNamespaces.contains(namespace) { return "\(name) is not supported yet" }
        if let suggestion = Self.closest(to: name, in: Self.builtinVariableNames) {
            return "undeclared identifier '\(name)'; did you mean '\(suggestion)'?"
        }
        if name.contains("."), Self.knownNamespaces.contains(namespace) { return "\(name) is not supported yet" }
        return "undeclared identifier '\(name)'"
    }

    static let knownNamespaces: Set<String> = ["ta", "math", "str", "array", "strategy", "input", "color", "barstate", "syminfo", "timeframe", "plot", "shape", "location", "size", "line", "label", "box", "table", "display", "format", "position", "extend", "xloc", "yloc", "hline", "text", "font", "order", "currency", "session", "dayofweek", "adjustment", "runtime", "string", "chart", "ticker", "request", "matrix", "map", "polyline", "linefill", "alert", "log", "scale", "splits", "earnings", "dividends", "backadjustment", "settlement_as_close", "timezone"]
    static let unsupportedNamespaces: Set<String> = ["request", "matrix", "map", "ticker", "polyline", "linefill", "chart"]

    // MARK: - History

    func compileHistory(_ base: Expr, offset offsetExpr: Expr, at location: SourceLocation, in scope: Scope) throws -> CompiledValue {
        let offsetValue = try compileExpression(offsetExpr, in: scope)
        let offsetCode = try numberCode(offsetValue, at: offsetExpr.location, what: "an integer offset")
        var constantOffset: Int?
        if case .number(let n)? = offsetValue.constant {
            guard n >= 0, n.isFinite else { throw error("the history offset must be 0 or more", at: offsetExpr.location) }
            constantOffset = Int(n)
        }
        let maxBack = declaration.maxBarsBack
        let depth = constantOffset ?? maxBack
        if depth > maxBack {
            throw error("history offset \(depth) exceeds max_bars_back (\(maxBack))", at: offsetExpr.location)
        }
        func dynamicOffset(_ runtime: PineRuntime) -> Int {
            let raw = offsetCode(runtime)
            guard raw.isFinite, raw >= 0 else { return -1 }
            let offset = Int(raw)
            if offset > maxBack {
                runtime.fail("history offset \(offset) exceeds max_bars_back (\(maxBack))", at: location)
                return -1
            }
            return offset
        }

        // The bars themselves: read straight from the bar array.
        if case .name(let name, _, _) = base, scope.lookup(name) == nil, let field = BarField(rawValue: name) {
            let type: PineType = field == .barIndex || field == .time || field == .timeClose ? .int : .float
            if let offset = constantOffset {
                return .number(type) { runtime in
                    let index = runtime.barIndex - offset
                    return index >= 0 ? field.value(runtime, index) : .nan
                }
            }
            return .number(type) { runtime in
                let offset = dynamicOffset(runtime)
                let index = runtime.barIndex - offset
                return offset >= 0 && index >= 0 ? field.value(runtime, index) : .nan
            }
        }
        // A declared series variable keeps its own history.
        if case .name(let name, _, _) = base, case .number(let variable, let type)? = scope.lookup(name) {
            variable.requireHistory(depth)
            let read: NumberCode
            if let offset = constantOffset {
                read = { _ in variable.at(offset) }
            } else {
                read = { runtime in
                    let offset = dynamicOffset(runtime)
                    return offset >= 0 ? variable.at(offset) : .nan
                }
            }
            return numericValue(read, type: type)
        }
        // Anything else: a hidden series committed each time the expression is evaluated.
        let value = try compileExpression(base, in: scope)
        if case .constant? = scope.lookup(nameOf(base) ?? ""), case .number(let n)? = value.constant {
            // History of a constant: na before the first bar, the constant after.
            return .number(value.type) { runtime in
                let offset = dynamicOffset(runtime)
                return offset >= 0 && runtime.barIndex >= offset ? n : .nan
            }
        }
        guard value.type.isNumericStorage else {
            throw error("the history operator [] on a value of type \(value.type) is not supported yet", at: location)
        }
        let code = try numericStorageCode(value, as: value.type, at: base.location)
        let hidden = SeriesVariable()
        hidden.requireHistory(depth)
        variables.append(hidden)
        let read: NumberCode
        if let offset = constantOffset {
            read = { runtime in hidden.commit(code(runtime)); return hidden.at(offset) }
        } else {
            read = { runtime in
                hidden.commit(code(runtime))
                let offset = dynamicOffset(runtime)
                return offset >= 0 ? hidden.at(offset) : .nan
            }
        }
        return numericValue(read, type: value.type)
    }

    private func nameOf(_ expr: Expr) -> String? {
        if case .name(let name, _, _) = expr { return name }
        return nil
    }

    func numericValue(_ code: @escaping NumberCode, type: PineType) -> CompiledValue {
        if type == .bool {
            return .bool { let x = code($0); return x != 0 && !x.isNaN }
        }
        return CompiledValue(type: type, code: .number(code))
    }

    // MARK: - Operators

    func unary(_ op: UnaryOperator, _ value: CompiledValue, at location: SourceLocation) throws -> CompiledValue {
        switch op {
        case .not:
            if case .bool(let flag)? = value.constant { return .constantBool(!flag) }
            let operand = try boolOperand(value, at: location)
            return .bool { !operand.value($0) }
        case .negate, .plus:
            let code = try numberCode(value, at: location)
            let type: PineType = value.type == .int ? .int : .float
            if case .number(let n)? = value.constant { return .constantNumber(op == .negate ? -n : n, type: type) }
            if op == .plus { return CompiledValue(type: type, code: .number(code)) }
            return .number(type) { -code($0) }
        }
    }

    func binary(_ op: BinaryOperator, _ lhs: CompiledValue, _ rhs: CompiledValue, at location: SourceLocation) throws -> CompiledValue {
        switch op {
        case .and, .or:
            if case .bool(let x)? = lhs.constant, case .bool(let y)? = rhs.constant {
                return .constantBool(op == .and ? x && y : x || y)
            }
            let a = try boolOperand(lhs, at: location)
            let b = try boolOperand(rhs, at: location)
            // Both v5 and v6 evaluate lazily here; v6 documents it, v5 scripts cannot tell.
            return op == .and ? .bool { a.value($0) && b.value($0) } : .bool { a.value($0) || b.value($0) }
        case .equal, .notEqual:
            if lhs.type == .string || rhs.type == .string {
                let a = try stringCode(lhs, at: location)
                let b = try stringCode(rhs, at: location)
                if case .string(let x)? = lhs.constant, case .string(let y)? = rhs.constant {
                    return .constantBool(op == .equal ? x == y : x != y)
                }
                return op == .equal ? .bool { a($0) == b($0) } : .bool { a($0) != b($0) }
            }
            if lhs.type == .bool && rhs.type == .bool {
                let a = try boolCode(lhs, at: location)
                let b = try boolCode(rhs, at: location)
                return op == .equal ? .bool { a($0) == b($0) } : .bool { a($0) != b($0) }
            }
            let a = try anyNumberCode(lhs, at: location)
            let b = try anyNumberCode(rhs, at: location)
            // Comparisons with na are false (use na() to test for na).
            return op == .equal ? .bool { a($0) == b($0) } : .bool { let x = a($0), y = b($0); return !x.isNaN && !y.isNaN && x != y }
        case .less, .greater, .lessEqual, .greaterEqual:
            if lhs.type == .string, rhs.type == .string {
                let a = try stringCode(lhs, at: location), b = try stringCode(rhs, at: location)
                switch op {
                case .less: return .bool { a($0) < b($0) }
                case .greater: return .bool { a($0) > b($0) }
                case .lessEqual: return .bool { a($0) <= b($0) }
                default: return .bool { a($0) >= b($0) }
                }
            }
            if case .number(let x)? = lhs.constant, case .number(let y)? = rhs.constant {
                switch op {
                case .less: return .constantBool(x < y)
                case .greater: return .constantBool(x > y)
                case .lessEqual: return .constantBool(x <= y)
                default: return .constantBool(x >= y)
                }
            }
            let a = try numberOperand(lhs, at: location)
            let b = try numberOperand(rhs, at: location)
            switch op {
            case .less: return .bool { a.value($0) < b.value($0) }
            case .greater: return .bool { a.value($0) > b.value($0) }
            case .lessEqual: return .bool { a.value($0) <= b.value($0) }
            default: return .bool { a.value($0) >= b.value($0) }
            }
        case .add where lhs.type == .string || rhs.type == .string:
            let a = try stringCode(lhs, at: location)
            let b = try stringCode(rhs, at: location)
            if case .string(let x)? = lhs.constant, case .string(let y)? = rhs.constant { return .constantString(x + y) }
            let cap = Self.maximumStringBytes
            return .string { runtime in
                let x = a(runtime), y = b(runtime)
                guard x.utf8.count + y.utf8.count <= cap else {
                    runtime.fail("string longer than \(cap) bytes", at: location)
                    return ""
                }
                return x + y
            }
        case .add, .subtract, .multiply, .divide, .remainder:
            let a = try numberOperand(lhs, at: location)
            let b = try numberOperand(rhs, at: location)
            let bothInt = lhs.type == .int && rhs.type == .int
            // v5 divides two const ints as integers (5 / 2 = 2); v6 always gives the fraction.
            let integerDivision = bothInt && op == .divide && version <= 5 && lhs.constant != nil && rhs.constant != nil
            let type: PineType = (bothInt && (op != .divide || integerDivision)) ? .int : .float
            if case .number(let x)? = lhs.constant, case .number(let y)? = rhs.constant {
                return .constantNumber(Self.arithmetic(op, x, y, integerDivision: integerDivision), type: type)
            }
            switch op {
            case .add: return .number(type) { a.value($0) + b.value($0) }
            case .subtract: return .number(type) { a.value($0) - b.value($0) }
            case .multiply: return .number(type) { a.value($0) * b.value($0) }
            case .divide:
                if bothInt && type == .int { return .number(type) { Self.arithmetic(.divide, a.value($0), b.value($0), integerDivision: true) } }
                return .number(type) { let y = b.value($0); return y == 0 ? .nan : a.value($0) / y }
            default: return .number(type) { Self.arithmetic(.remainder, a.value($0), b.value($0), integerDivision: false) }
            }
        }
    }

    /// Numbers and colors alike (for `==` between colors).
    private func anyNumberCode(_ value: CompiledValue, at location: SourceLocation) throws -> NumberCode {
        if case .number(let code) = value.code { return code }
        throw error("cannot compare a value of type \(value.type)", at: location)
    }

    static func arithmetic(_ op: BinaryOperator, _ x: Double, _ y: Double, integerDivision: Bool) -> Double {
        switch op {
        case .add: return x + y
        case .subtract: return x - y
        case .multiply: return x * y
        case .divide:
            guard y != 0 else { return .nan }
            return integerDivision ? (x / y).rounded(.towardZero) : x / y
        case .remainder:
            guard y != 0, x.isFinite, y.isFinite else { return .nan }
            return x.truncatingRemainder(dividingBy: y)
        default: return .nan
        }
    }

    /// `cond ? a : b` and the join of if/switch branches: a common type, na fitting any.
    func select(_ test: @escaping BoolCode, _ a: CompiledValue, _ b: CompiledValue, at location: SourceLocation) throws -> CompiledValue {
        let type = try commonType(a, b, at: location)
        switch type {
        case .string:
            let x = try stringCode(a, at: location), y = try stringCode(b, at: location)
            return .string { test($0) ? x($0) : y($0) }
        case .bool:
            let x = try boolCode(a, at: location), y = try boolCode(b, at: location)
            return .bool { test($0) ? x($0) : y($0) }
        case .array(let element):
            guard case .array(let x) = a.code, case .array(let y) = b.code else { throw error("both branches must be arrays", at: location) }
            return CompiledValue(type: .array(element), code: .array { test($0) ? x($0) : y($0) })
        default:
            let x = try numberCode(a, at: location), y = try numberCode(b, at: location)
            var result = CompiledValue.number(type) { test($0) ? x($0) : y($0) }
            result.isNA = a.isNA && b.isNA
            return result
        }
    }

    func commonType(_ a: CompiledValue, _ b: CompiledValue, at location: SourceLocation) throws -> PineType {
        if a.isNA { return b.type }
        if b.isNA { return a.type }
        if a.type == b.type { return a.type }
        if a.type.isNumeric && b.type.isNumeric { return .float }
        throw error("the branches have different types: \(a.type) and \(b.type)", at: location)
    }
}

/// The bar fields readable with history straight from the bar array.
enum BarField: String {
    case open, high, low, close, volume, hl2, hlc3, ohlc4, hlcc4, time
    case timeClose = "time_close"
    case barIndex = "bar_index"

    @inline(__always)
    func value(_ runtime: PineRuntime, _ index: Int) -> Double {
        let bar = runtime.barStorage[index]
        switch self {
        case .open: return bar.open
        case .high: return bar.high
        case .low: return bar.low
        case .close: return bar.close
        case .volume: return bar.volume
        case .hl2: return (bar.high + bar.low) / 2
        case .hlc3: return (bar.high + bar.low + bar.close) / 3
        case .ohlc4: return (bar.open + bar.high + bar.low + bar.close) / 4
        case .hlcc4: return (bar.high + bar.low + bar.close + bar.close) / 4
        case .time: return Double(bar.openTime)
        case .timeClose: return Double(bar.openTime + runtime.barDurationMilliseconds)
        case .barIndex: return Double(index)
        }
    }
}
