/// The type of a compiled Pine expression. Qualifiers (const/simple/series) are tracked by the
/// compiler separately, as "is this known before the first bar" (`CompiledValue.constant`).
indirect enum PineType: Sendable, Equatable, CustomStringConvertible {
    case int
    case float
    case bool
    case string
    case color
    /// A call that returns nothing (`plot`, `strategy.entry`).
    case void
    case array(PineType)
    case tuple([PineType])

    var isNumeric: Bool { self == .int || self == .float }

    /// Stored in a numeric slot (as a `Double`): numbers, colors and bools (0/1).
    var isNumericStorage: Bool { self == .int || self == .float || self == .color || self == .bool }

    var description: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "string"
        case .color: "color"
        case .void: "void"
        case .array(let element): "array<\(element)>"
        case .tuple(let types): "[" + types.map(\.description).joined(separator: ", ") + "]"
        }
    }

    init?(annotation: TypeAnnotation) {
        if annotation.name == "array", let element = annotation.element {
            guard let elementType = PineType(name: element) else { return nil }
            self = .array(elementType)
            return
        }
        guard annotation.element == nil, let type = PineType(name: annotation.name) else { return nil }
        self = type
    }

    init?(name: String) {
        switch name {
        case "int": self = .int
        case "float": self = .float
        case "bool": self = .bool
        case "string": self = .string
        case "color": self = .color
        // Drawing handles are accepted and never drawn; they hold na.
        case "label", "line", "box", "table", "linefill", "polyline": self = .float
        default: return nil
        }
    }
}
