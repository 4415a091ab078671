/// Validated parameters: every declared parameter with a value (given or default) in its declared
/// type; optional parameters without a default are absent unless given.
public struct StrategyParameters: Sendable, Hashable {
    public let values: [String: ParameterValue]

    public init(values: [String: ParameterValue]) {
        self.values = values
    }

    public func int(_ name: String) -> Int {
        switch values[name] {
        case .int(let v): v
        case .float(let v): Int(v)
        default: 0
        }
    }

    public func double(_ name: String) -> Double {
        values[name]?.numericValue ?? 0
    }

    public func optionalDouble(_ name: String) -> Double? {
        values[name]?.numericValue
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let v) = values[name] { return v }
        return false
    }

    public func string(_ name: String) -> String {
        if case .string(let v) = values[name] { return v }
        return ""
    }

    /// Validates `supplied` against `schema`: unknown names, wrong types and out-of-range values
    /// throw `.invalidStrategyParameters` whose message and details list the accepted parameters.
    public static func validate(
        _ supplied: [String: ParameterValue], schema: [ParameterSpec], strategy: String
    ) throws(TradingError) -> StrategyParameters {
        var resolved: [String: ParameterValue] = [:]
        var problems: [String] = []
        for name in supplied.keys.sorted() where !schema.contains(where: { $0.name == name }) {
            problems.append("unknown parameter '\(name)'")
        }
        for spec in schema {
            if let value = supplied[spec.name] {
                switch spec.coerce(value) {
                case .success(let normalised):
                    resolved[spec.name] = normalised
                case .failure(let problem):
                    switch problem {
                    case .wrongType(let expected):
                        problems.append("'\(spec.name)' must be \(expected), got \(value)")
                    case .outOfRange:
                        problems.append("'\(spec.name)' = \(value) is outside \(ParameterSpec.format(spec.minimum ?? -.infinity))…\(ParameterSpec.format(spec.maximum ?? .infinity))")
                    case .notAllowed:
                        problems.append("'\(spec.name)' = \(value) is not one of \((spec.allowedValues ?? []).joined(separator: ", "))")
                    }
                }
            } else if let value = spec.defaultValue {
                resolved[spec.name] = value
            }
        }
        guard problems.isEmpty else {
            throw invalid(strategy: strategy, problems: problems, schema: schema)
        }
        return StrategyParameters(values: resolved)
    }

    /// The error for parameters that break a rule, listing the accepted parameters.
    public static func invalid(strategy: String, problems: [String], schema: [ParameterSpec]) -> TradingError {
        let accepted = schema.map(\.summary)
        return TradingError(
            code: .invalidStrategyParameters,
            message: "invalid parameters for \(strategy): \(problems.joined(separator: "; ")). Accepted: \(accepted.joined(separator: "; "))",
            details: [
                "strategy": .text(strategy),
                "problems": .list(problems),
                "accepted": .list(schema.map(\.name)),
                "accepted_parameters": .list(accepted),
            ])
    }
}
