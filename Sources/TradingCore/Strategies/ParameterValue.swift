/// A strategy parameter value as it arrives from JSON or the command line.
///
/// Decoding tries, in order: bool, integer, floating point, string. Validation coerces between
/// `int` and `float` where no information is lost (`10.0` is a valid `int`, `10` a valid `float`).
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .float(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .float(let value): try container.encode(value.isFinite ? value : 0)
        case .bool(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .bool(let value): String(value)
        case .string(let value): value
        }
    }

    /// The value as a number, when it is one.
    public var numericValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .float(let value): value
        case .bool, .string: nil
        }
    }
}
