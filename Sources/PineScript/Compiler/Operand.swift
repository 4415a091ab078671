import TradingCore

/// A numeric operand as the closures that combine values read it. Constants, variables and the
/// bar's prices are read with a switch instead of a closure call: most operands of an expression
/// are one of those, and an indirect call costs several times a predictable branch.
enum NumberOperand {
    case constant(Double)
    case variable(SeriesVariable)
    case open, high, low, close
    case code(NumberCode)

    @inline(__always)
    func value(_ runtime: PineRuntime) -> Double {
        switch self {
        case .constant(let value): return value
        case .variable(let variable): return variable.value
        case .close: return runtime.barStorage[runtime.barIndex].close
        case .open: return runtime.barStorage[runtime.barIndex].open
        case .high: return runtime.barStorage[runtime.barIndex].high
        case .low: return runtime.barStorage[runtime.barIndex].low
        case .code(let code): return code(runtime)
        }
    }
}

/// A boolean operand: a constant, a bool variable (stored as 0/1), or code.
enum BoolOperand {
    case constant(Bool)
    case variable(SeriesVariable)
    case code(BoolCode)

    @inline(__always)
    func value(_ runtime: PineRuntime) -> Bool {
        switch self {
        case .constant(let value): return value
        case .variable(let variable): return variable.value != 0 && !variable.value.isNaN
        case .code(let code): return code(runtime)
        }
    }
}

extension PineCompiler {
    func numberOperand(_ value: CompiledValue, at location: SourceLocation, what: String = "a number") throws -> NumberOperand {
        if value.type != .bool {
            if case .number(let n)? = value.constant { return .constant(n) }
            if let variable = value.variable { return .variable(variable) }
            switch value.sourceName {
            case "close": return .close
            case "open": return .open
            case "high": return .high
            case "low": return .low
            default: break
            }
        }
        return .code(try numberCode(value, at: location, what: what))
    }

    func boolOperand(_ value: CompiledValue, at location: SourceLocation) throws -> BoolOperand {
        if value.type == .bool {
            if case .bool(let flag)? = value.constant { return .constant(flag) }
            if let variable = value.variable { return .variable(variable) }
        }
        return .code(try boolCode(value, at: location))
    }
}
