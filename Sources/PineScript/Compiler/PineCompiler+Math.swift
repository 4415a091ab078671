#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PineCompiler {
    func mathBuiltins() -> [String: BuiltinFunction] {
        var table: [String: BuiltinFunction] = [:]
        func unary(_ name: String, keepsInt: Bool = false, _ f: @escaping (Double) -> Double) {
            table[name] = BuiltinFunction(parameters: ["number"]) { call in
                let value = try call.required("number")
                let x = try call.number("number")
                let type: PineType = keepsInt && value.type == .int ? .int : .float
                if case .number(let n)? = value.constant { return .constantNumber(f(n), type: type) }
                return .number(type) { f(x($0)) }
            }
        }
        unary("math.abs", keepsInt: true) { abs($0) }
        unary("math.sqrt") { $0 < 0 ? .nan : $0.squareRoot() }
        unary("math.exp") { exp($0) }
        unary("math.log") { $0 <= 0 ? .nan : log($0) }
        unary("math.log10") { $0 <= 0 ? .nan : log10($0) }
        unary("math.sign") { $0.isNaN ? .nan : ($0 > 0 ? 1 : ($0 < 0 ? -1 : 0)) }
        unary("math.sin") { sin($0) }
        unary("math.cos") { cos($0) }
        unary("math.tan") { tan($0) }
        unary("math.asin") { asin($0) }
        unary("math.acos") { acos($0) }
        unary("math.atan") { atan($0) }
        unary("math.todegrees") { $0 * 180 / .pi }
        unary("math.toradians") { $0 * .pi / 180 }
        for (name, rule) in [("math.floor", FloatingPointRoundingRule.down), ("math.ceil", .up)] {
            table[name] = BuiltinFunction(parameters: ["number"]) { call in
                let value = try call.required("number")
                let x = try call.number("number")
                if case .number(let n)? = value.constant { return .constantNumber(n.rounded(rule), type: .int) }
                return .number(.int) { x($0).rounded(rule) }
            }
        }
        table["math.round"] = BuiltinFunction(parameters: ["number", "precision"]) { call in
            let x = try call.number("number")
            if call.has("precision") {
                let precision = try call.constantInt("precision", minimum: 0)
                var scale = 1.0
                for _ in 0..<precision { scale *= 10 }
                return .number { Self.roundHalfAwayFromZero(x($0) * scale) / scale }
            }
            let value = try call.required("number")
            if case .number(let n)? = value.constant { return .constantNumber(Self.roundHalfAwayFromZero(n), type: .int) }
            return .number(.int) { Self.roundHalfAwayFromZero(x($0)) }
        }
        table["math.round_to_mintick"] = BuiltinFunction(parameters: ["number"]) { call in
            let x = try call.number("number")
            let tick = call.compiler.environment.minTick
            return .number { Self.roundHalfAwayFromZero(x($0) / tick) * tick }
        }
        table["math.pow"] = BuiltinFunction(parameters: ["base", "exponent"]) { call in
            let base = try call.number("base"), exponent = try call.number("exponent")
            return .number { pow(base($0), exponent($0)) }
        }
        for name in ["math.max", "math.min"] {
            let isMax = name == "math.max"
            table[name] = BuiltinFunction(parameters: ["number0", "number1", "..."]) { call in
                let values = [try call.required("number0"), try call.required("number1")]
                let codes = try [call.number("number0"), call.number("number1")] + call.variadicNumbers()
                let allInt = values.allSatisfy { $0.type == .int } && call.variadic.isEmpty
                // Any na argument makes the result na, as in TradingView.
                return .number(allInt ? .int : .float) { runtime in
                    var best = codes[0](runtime)
                    for code in codes.dropFirst() {
                        let x = code(runtime)
                        if x.isNaN || best.isNaN { best = .nan; continue }
                        best = isMax ? Swift.max(best, x) : Swift.min(best, x)
                    }
                    return best
                }
            }
        }
        table["math.avg"] = BuiltinFunction(parameters: ["number0", "number1", "..."]) { call in
            let codes = try [call.number("number0"), call.number("number1")] + call.variadicNumbers()
            return .number { runtime in codes.reduce(0) { $0 + $1(runtime) } / Double(codes.count) }
        }
        table["math.sum"] = BuiltinFunction(parameters: ["source", "length"]) { call in
            let source = try call.number("source")
            let length = try call.constantInt("length", minimum: 1)
            let box = StateBox(TARollingSum(length: length))
            return .number { box.state.update(source($0)) }
        }
        table["math.random"] = BuiltinFunction(parameters: ["min", "max", "seed"]) { call in
            // Deterministic: a fixed-seed generator, so a backtest never depends on wall time.
            let low = try call.optionalNumber("min") ?? { _ in 0 }
            let high = try call.optionalNumber("max") ?? { _ in 1 }
            let seed = try call.constantInt("seed", default: 1)
            let box = StateBox(UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1)
            return .number { runtime in
                box.state ^= box.state << 13
                box.state ^= box.state >> 7
                box.state ^= box.state << 17
                let unit = Double(box.state >> 11) / Double(1 << 53)
                let a = low(runtime), b = high(runtime)
                return a + (b - a) * unit
            }
        }
        return table
    }

    /// Pine's `math.round`: halves away from zero.
    static func roundHalfAwayFromZero(_ x: Double) -> Double {
        x.rounded(.toNearestOrAwayFromZero)
    }
}

