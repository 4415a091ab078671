/// The type of a strategy parameter, as shown to UI forms.
public enum ParameterType: String, Sendable, Hashable, Codable, CaseIterable {
    case int
    case float
    case bool
    case string
    case `enum`
}

/// One declared strategy parameter: what the UI shows and what validation enforces.
public struct ParameterSpec: Sendable, Hashable, Codable {
    public let name: String
    public let type: ParameterType
    /// `nil` for an optional parameter that is off unless given (e.g. `stop_loss`).
    public let defaultValue: ParameterValue?
    /// Inclusive bounds for `int` and `float`.
    public let minimum: Double?
    public let maximum: Double?
    /// The accepted values of an `enum` parameter.
    public let allowedValues: [String]?
    public let description: String

    public init(
        name: String, type: ParameterType, defaultValue: ParameterValue?, minimum: Double? = nil,
        maximum: Double? = nil, allowedValues: [String]? = nil, description: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.allowedValues = allowedValues
        self.description = description
    }

    public static func int(_ name: String, default value: Int, min: Int, max: Int, _ description: String) -> ParameterSpec {
        ParameterSpec(name: name, type: .int, defaultValue: .int(value), minimum: Double(min), maximum: Double(max), description: description)
    }

    public static func float(_ name: String, default value: Double?, min: Double, max: Double, _ description: String) -> ParameterSpec {
        ParameterSpec(name: name, type: .float, defaultValue: value.map { .float($0) }, minimum: min, maximum: max, description: description)
    }

    public static func choice(_ name: String, default value: String, allowed: [String], _ description: String) -> ParameterSpec {
        ParameterSpec(name: name, type: .enum, defaultValue: .string(value), allowedValues: allowed, description: description)
    }

    enum CodingKeys: String, CodingKey {
        case name, type, description, minimum, maximum
        case defaultValue = "default"
        case allowedValues = "allowed_values"
    }

    /// Encodes every key, with `null` for absent values, so UI forms see a fixed shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(defaultValue, forKey: .defaultValue)
        try container.encode(minimum, forKey: .minimum)
        try container.encode(maximum, forKey: .maximum)
        try container.encode(allowedValues, forKey: .allowedValues)
        try container.encode(description, forKey: .description)
    }

    /// Checks and normalises one supplied value. Returns an error message, or the value in this
    /// parameter's type.
    func coerce(_ value: ParameterValue) -> Result<ParameterValue, ParameterProblem> {
        switch type {
        case .int:
            let integer: Int
            switch value {
            case .int(let v): integer = v
            case .float(let v) where v.isFinite && v.rounded() == v && abs(v) < 9e15: integer = Int(v)
            default: return .failure(.wrongType("an integer"))
            }
            if let minimum, Double(integer) < minimum { return .failure(.outOfRange) }
            if let maximum, Double(integer) > maximum { return .failure(.outOfRange) }
            return .success(.int(integer))
        case .float:
            guard let number = value.numericValue, number.isFinite else { return .failure(.wrongType("a number")) }
            if let minimum, number < minimum { return .failure(.outOfRange) }
            if let maximum, number > maximum { return .failure(.outOfRange) }
            return .success(.float(number))
        case .bool:
            guard case .bool = value else { return .failure(.wrongType("true or false")) }
            return .success(value)
        case .string:
            guard case .string = value else { return .failure(.wrongType("a string")) }
            return .success(value)
        case .enum:
            guard case .string(let text) = value, allowedValues?.contains(text) ?? false else {
                return .failure(.notAllowed)
            }
            return .success(value)
        }
    }

    /// Human text for the accepted values, e.g. `fast_period (int, 1…1000, default 10)`.
    var summary: String {
        var parts = [type.rawValue]
        if let minimum, let maximum { parts.append("\(Self.format(minimum))…\(Self.format(maximum))") }
        if let allowedValues { parts.append("one of " + allowedValues.joined(separator: "|")) }
        parts.append("default \(defaultValue?.description ?? "none")")
        return "\(name) (\(parts.joined(separator: ", ")))"
    }

    static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int(number)) }
        return String(number)
    }
}

enum ParameterProblem: Error {
    case wrongType(String)
    case outOfRange
    case notAllowed
}
