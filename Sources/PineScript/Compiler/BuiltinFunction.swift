/// A built-in function: its parameters in positional order and how a call to it compiles.
struct BuiltinFunction {
    let parameters: [String]
    /// Arguments are not compiled at all (display calls whose values we do not use).
    var ignoresArguments = false
    let compile: (BuiltinCall) throws -> CompiledValue
}

/// One call of a built-in: its bound arguments, compiled on demand.
struct BuiltinCall {
    let compiler: PineCompiler
    let name: String
    let location: SourceLocation
    let scope: Scope
    let bound: [String: Expr]
    /// Arguments beyond the named parameters (`math.max(a, b, c, …)`, `str.format(fmt, …)`).
    let variadic: [Expr]
    let typeArgument: String?

    func has(_ parameter: String) -> Bool { bound[parameter] != nil }

    func value(_ parameter: String) throws -> CompiledValue? {
        guard let expr = bound[parameter] else { return nil }
        return try compiler.compileExpression(expr, in: scope)
    }

    func location(of parameter: String) -> SourceLocation { bound[parameter]?.location ?? location }

    func required(_ parameter: String) throws -> CompiledValue {
        guard let value = try value(parameter) else {
            throw compiler.error("missing argument '\(parameter)' in the call to '\(name)'", at: location, length: name.count)
        }
        return value
    }

    func number(_ parameter: String) throws -> NumberCode {
        try compiler.numberCode(try required(parameter), at: location(of: parameter), what: "a number for '\(parameter)'")
    }

    /// A numeric argument as an operand (constants, variables and prices read without a call).
    func operand(_ parameter: String) throws -> NumberOperand {
        try compiler.numberOperand(try required(parameter), at: location(of: parameter), what: "a number for '\(parameter)'")
    }

    /// An optional numeric argument; nil when omitted.
    func optionalNumber(_ parameter: String) throws -> NumberCode? {
        guard let value = try value(parameter) else { return nil }
        return try compiler.numberCode(value, at: location(of: parameter), what: "a number for '\(parameter)'")
    }

    func bool(_ parameter: String) throws -> BoolCode {
        try compiler.boolCode(try required(parameter), at: location(of: parameter))
    }

    func string(_ parameter: String) throws -> StringCode {
        try compiler.stringCode(try required(parameter), at: location(of: parameter))
    }

    func optionalString(_ parameter: String) throws -> StringCode? {
        guard let value = try value(parameter), !value.isNA else { return nil }
        return try compiler.stringCode(value, at: location(of: parameter))
    }

    func constantInt(_ parameter: String, default defaultValue: Int? = nil, minimum: Int? = nil) throws -> Int {
        if !has(parameter), let defaultValue { return defaultValue }
        return try compiler.constantInt(try value(parameter), name: parameter, at: location(of: parameter), minimum: minimum)
    }

    func constantDouble(_ parameter: String, default defaultValue: Double) throws -> Double {
        guard has(parameter) else { return defaultValue }
        return try compiler.constantDouble(try value(parameter), name: parameter, at: location(of: parameter))
    }

    func constantBool(_ parameter: String, default defaultValue: Bool) throws -> Bool {
        guard has(parameter) else { return defaultValue }
        return try compiler.constantBool(try value(parameter), name: parameter, at: location(of: parameter))
    }

    func constantString(_ parameter: String, default defaultValue: String) throws -> String {
        guard has(parameter) else { return defaultValue }
        return try compiler.constantString(try value(parameter), name: parameter, at: location(of: parameter))
    }

    func variadicNumbers() throws -> [NumberCode] {
        try variadic.map { try compiler.numberCode(try compiler.compileExpression($0, in: scope), at: $0.location) }
    }
}
