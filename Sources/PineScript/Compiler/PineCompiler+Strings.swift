extension PineCompiler {
    func stringBuiltins() -> [String: BuiltinFunction] {
        var table: [String: BuiltinFunction] = [:]
        let tostring = BuiltinFunction(parameters: ["value", "format"]) { call in
            let value = try call.required("value")
            let format = try call.constantString("format", default: "")
            switch value.code {
            case .string: return value
            case .bool(let code): return .string { code($0) ? "true" : "false" }
            case .number(let code):
                let isInt = value.type == .int
                let tick = call.compiler.environment.minTick
                return .string { PineFormat.number(code($0), format: format, isInt: isInt, minTick: tick) }
            default: throw call.compiler.error("str.tostring() cannot format \(value.type)", at: call.location)
            }
        }
        table["str.tostring"] = tostring
        table["tostring"] = tostring
        table["str.format"] = BuiltinFunction(parameters: ["formatString", "..."]) { call in
            let format = try call.string("formatString")
            let arguments: [StringCode] = try call.variadic.map { expr in
                let value = try call.compiler.compileExpression(expr, in: call.scope)
                switch value.code {
                case .string(let code): return code
                case .bool(let code): return { code($0) ? "true" : "false" }
                case .number(let code):
                    let isInt = value.type == .int
                    return { PineFormat.number(code($0), format: "", isInt: isInt, minTick: 0) }
                default: throw call.compiler.error("str.format() cannot format \(value.type)", at: expr.location)
                }
            }
            return .string { runtime in PineFormat.substitute(format(runtime), arguments.map { $0(runtime) }) }
        }
        table["str.length"] = BuiltinFunction(parameters: ["string"]) { call in
            let s = try call.string("string")
            return .number(.int) { Double(s($0).count) }
        }
        table["str.upper"] = BuiltinFunction(parameters: ["source"]) { call in
            let s = try call.string("source"); return .string { s($0).uppercased() }
        }
        table["str.lower"] = BuiltinFunction(parameters: ["source"]) { call in
            let s = try call.string("source"); return .string { s($0).lowercased() }
        }
        table["str.contains"] = BuiltinFunction(parameters: ["source", "str"]) { call in
            let s = try call.string("source"), t = try call.string("str")
            return .bool { s($0).contains(t($0)) }
        }
        table["str.startswith"] = BuiltinFunction(parameters: ["source", "str"]) { call in
            let s = try call.string("source"), t = try call.string("str")
            return .bool { s($0).hasPrefix(t($0)) }
        }
        table["str.endswith"] = BuiltinFunction(parameters: ["source", "str"]) { call in
            let s = try call.string("source"), t = try call.string("str")
            return .bool { s($0).hasSuffix(t($0)) }
        }
        table["str.tonumber"] = BuiltinFunction(parameters: ["string"]) { call in
            let s = try call.string("string"); return .number { Double(s($0)) ?? .nan }
        }
        table["str.replace_all"] = BuiltinFunction(parameters: ["source", "target", "replacement"]) { call in
            let s = try call.string("source"), t = try call.string("target"), r = try call.string("replacement")
            return .string { runtime in PineFormat.replaceAll(s(runtime), t(runtime), r(runtime)) }
        }
        // v5 kept a few v4 names under `string.`; they are the same functions.
        for (alias, name) in [("string.format", "str.format"), ("string.tostring", "str.tostring")] { table[alias] = table[name] }
        return table
    }
}

/// Number and message formatting for `str.tostring` and `str.format`.
enum PineFormat {
    static func number(_ x: Double, format: String, isInt: Bool, minTick: Double) -> String {
        if x.isNaN { return "NaN" }
        switch format {
        case "format.mintick":
            return fixed(x, decimals: Self.decimals(of: minTick))
        case "format.percent":
            return fixed(x, decimals: 2) + "%"
        case "format.volume", "":
            if isInt || (x == x.rounded() && abs(x) < 1e15) {
                return format.isEmpty && !isInt ? trimmed(x) : String(Int64(x))
            }
            return trimmed(x)
        default:
            // A "#.##" pattern: as many decimals as there are '#'/'0' after the point.
            if let dot = format.firstIndex(of: ".") {
                let places = format[format.index(after: dot)...].filter { $0 == "#" || $0 == "0" }.count
                let text = fixed(x, decimals: places)
                return format.contains("0") ? text : trimZeros(text)
            }
            return String(Int64(x.rounded()))
        }
    }

    static func decimals(of step: Double) -> Int {
        var places = 0
        var scaled = step
        while places < 12, abs(scaled - scaled.rounded()) > 1e-9 {
            scaled *= 10
            places += 1
        }
        return places
    }

    static func fixed(_ x: Double, decimals requested: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x < 0 ? "-Infinity" : "Infinity") }
        var decimals = requested
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        // Stay inside Int64 (and inside a Double's exact integers) for huge values.
        while decimals > 0, abs(x) * scale >= 9e15 {
            decimals -= 1
            scale /= 10
        }
        if abs(x) * scale >= 9e18 { return "\(x)" }
        let rounded = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
        var digits = String(Int64(rounded))
        if decimals > 0 {
            while digits.count <= decimals { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (x < 0 && rounded != 0 ? "-" : "") + digits
    }

    static func trimmed(_ x: Double) -> String {
        trimZeros(fixed(x, decimals: 8))
    }

    static func trimZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }

    /// `{0}`, `{1}` … replaced by the arguments (format specifiers inside the braces are ignored).
    static func substitute(_ format: String, _ arguments: [String]) -> String {
        var result = ""
        var index = format.startIndex
        while index < format.endIndex {
            if format[index] == "{", let close = format[index...].firstIndex(of: "}") {
                let inside = format[format.index(after: index)..<close]
                let number = inside.prefix { $0.isNumber }
                if let n = Int(number), n < arguments.count {
                    result += arguments[n]
                    index = format.index(after: close)
                    continue
                }
            }
            result.append(format[index])
            index = format.index(after: index)
        }
        return result
    }

    static func replaceAll(_ source: String, _ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return source }
        return source.replacing(target, with: replacement)
    }
}
