import TradingCore

/// The values one parameter takes in a sweep, in a fixed order.
///
/// Config spellings: a number, bool or string is `fixed`; a list is `choices`; an object
/// `{"from", "to", "step"}` is a `range` whose values are `from, from+step, …` up to and including
/// `to` (integers when all three are integers; otherwise rounded to the decimals of `from` and
/// `step`, so `0.1` steps give `0.3`, not `0.30000000000000004`).
public enum ParameterDomain: Sendable, Hashable {
    case fixed(ParameterValue)
    case choices([ParameterValue])
    case range(from: Double, to: Double, step: Double, integral: Bool)

    /// Every value, in order.
    public var values: [ParameterValue] {
        switch self {
        case .fixed(let value): return [value]
        case .choices(let values): return values
        case .range(let from, let to, let step, let integral):
            let count = Self.rangeCount(from: from, to: to, step: step)
            if integral {
                return (0..<count).map { .int(Int(from) + $0 * Int(step)) }
            }
            let decimals = max(Self.decimals(from), Self.decimals(step))
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            return (0..<count).map { k in .float(((from + Double(k) * step) * scale).rounded() / scale) }
        }
    }

    /// True for a parameter that is swept (more than one possible value).
    public var isSwept: Bool { values.count > 1 }

    /// True when the values have a natural order (ranges and numeric lists), which the TPE
    /// search uses to smooth its densities over neighbouring values.
    public var isOrdered: Bool {
        switch self {
        case .fixed: return true
        case .range: return true
        case .choices(let values): return values.allSatisfy { $0.numericValue != nil }
        }
    }

    static func rangeCount(from: Double, to: Double, step: Double) -> Int {
        guard step > 0, to >= from else { return 0 }
        return Int(((to - from) / step + 1e-9).rounded(.down)) + 1
    }

    /// Decimal digits needed to write `value` exactly (at most 12).
    static func decimals(_ value: Double) -> Int {
        var scaled = value
        for digits in 0...12 {
            if abs(scaled - scaled.rounded()) < 1e-9 * max(1, abs(scaled)) { return digits }
            scaled *= 10
        }
        return 12
    }

    /// A parameter value as JSON (ints stay ints).
    static func json(_ value: ParameterValue) -> JSONValue {
        switch value {
        case .int(let v): .int(v)
        case .float(let v): .double(v)
        case .bool(let v): .bool(v)
        case .string(let v): .string(v)
        }
    }

    /// The value a constraint expression sees (bools as 1/0; strings are not numbers).
    static func number(_ value: ParameterValue) -> Double? {
        switch value {
        case .int(let v): Double(v)
        case .float(let v): v
        case .bool(let v): v ? 1 : 0
        case .string: nil
        }
    }

    /// The domain in config form (what `SweepConfig.json` writes back).
    var json: JSONValue {
        switch self {
        case .fixed(let value): return Self.json(value)
        case .choices(let values): return .array(values.map(Self.json))
        case .range(let from, let to, let step, let integral):
            if integral { return .object(["from": .int(Int(from)), "to": .int(Int(to)), "step": .int(Int(step))]) }
            return .object(["from": .double(from), "to": .double(to), "step": .double(step)])
        }
    }
}

/// One named parameter of the sweep and its domain.
public struct ParameterAxis: Sendable, Hashable {
    public let name: String
    public let domain: ParameterDomain
    /// `domain.values`, computed once.
    public let values: [ParameterValue]

    public init(name: String, domain: ParameterDomain) {
        self.name = name
        self.domain = domain
        self.values = domain.values
    }
}
