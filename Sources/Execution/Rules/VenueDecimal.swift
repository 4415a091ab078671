/// An exact decimal for venue quantities, prices and filters: `mantissa × 10^−scale`.
///
/// Venues publish step and tick sizes as decimal strings (`"0.00001000"`) and compare what they
/// receive as decimals, so rounding to the grid is done here in integers, never in binary floating
/// point (where 0.3 / 0.1 is 2.9999999999999996 and a quantity would round down a whole step).
public struct VenueDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let mantissa: Int128
    /// Digits after the point, 0...30.
    public let scale: Int

    static let maxScale = 30

    public init(mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    public static let zero = VenueDecimal(mantissa: 0, scale: 0)

    /// Parses `"12"`, `"-0.00100"`, `"1e-5"`, `"1.5E+3"`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        var digits: Int128 = 0
        var scale = 0
        var negative = false
        var seenDigit = false
        var seenPoint = false
        var exponent = 0
        var index = text.startIndex
        if index < text.endIndex, text[index] == "-" || text[index] == "+" {
            negative = text[index] == "-"
            index = text.index(after: index)
        }
        while index < text.endIndex {
            let character = text[index]
            if let value = character.wholeNumberValue, character.isASCII {
                guard digits <= (Int128.max - 9) / 10 else { return nil }
                digits = digits * 10 + Int128(value)
                if seenPoint { scale += 1 }
                seenDigit = true
            } else if character == ".", !seenPoint {
                seenPoint = true
            } else if character == "e" || character == "E" {
                guard seenDigit, let value = Int(text[text.index(after: index)...]) else { return nil }
                exponent = value
                index = text.endIndex
                break
            } else {
                return nil
            }
            index = text.index(after: index)
        }
        guard seenDigit else { return nil }
        scale -= exponent
        while scale < 0 {
            guard digits <= Int128.max / 10 else { return nil }
            digits *= 10
            scale += 1
        }
        guard scale <= Self.maxScale else { return nil }
        self.init(mantissa: negative ? -digits : digits, scale: scale)
    }

    /// The shortest decimal that reads back as `value` (0.1 is 0.1, not 0.1000000000000000055…).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        self.init("\(value)")
    }

    public var doubleValue: Double { Double(description) ?? Double(mantissa) / pow10(scale) }

    private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }

    /// Plain notation without trailing zeros: `0.001`, `42`, `-1.5`.
    public var description: String {
        let normal = normalized
        let negative = normal.mantissa < 0
        var digits = String(normal.mantissa.magnitude)
        guard normal.scale > 0 else { return (negative ? "-" : "") + digits }
        if digits.count <= normal.scale { digits = String(repeating: "0", count: normal.scale - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -normal.scale)
        return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
    }

    /// The same value with trailing zeros removed from the fraction.
    public var normalized: VenueDecimal {
        var mantissa = mantissa
        var scale = scale
        while scale > 0, mantissa % 10 == 0 {
            mantissa /= 10
            scale -= 1
        }
        return VenueDecimal(mantissa: mantissa, scale: scale)
    }

    func rescaled(to target: Int) -> Int128 {
        var value = mantissa
        for _ in scale..<max(scale, target) { value *= 10 }
        return value
    }

    public static func < (lhs: VenueDecimal, rhs: VenueDecimal) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        return lhs.rescaled(to: scale) < rhs.rescaled(to: scale)
    }

    public static func == (lhs: VenueDecimal, rhs: VenueDecimal) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        return lhs.rescaled(to: scale) == rhs.rescaled(to: scale)
    }

    public func hash(into hasher: inout Hasher) {
        let normal = normalized
        hasher.combine(normal.mantissa)
        hasher.combine(normal.scale)
    }

    public static func * (lhs: VenueDecimal, rhs: VenueDecimal) -> VenueDecimal {
        VenueDecimal(mantissa: lhs.mantissa * rhs.mantissa, scale: lhs.scale + rhs.scale).normalized
    }

    public var isPositive: Bool { mantissa > 0 }

    /// How to round to a grid.
    public enum Rounding: Sendable {
        /// Toward zero: a quantity never grows past what was asked.
        case down
        /// To the nearest multiple, halves away from zero.
        case nearest
    }

    /// The multiple of `step` nearest `self` by `rounding`; `self` when `step` is not positive.
    public func rounded(toMultipleOf step: VenueDecimal, _ rounding: Rounding) -> VenueDecimal {
        guard step.mantissa > 0 else { return self }
        let scale = max(self.scale, step.scale)
        let value = rescaled(to: scale)
        let unit = step.rescaled(to: scale)
        var units = value / unit
        if rounding == .nearest {
            let remainder = (value % unit).magnitude
            if remainder * 2 >= unit.magnitude { units += value < 0 ? -1 : 1 }
        }
        return VenueDecimal(mantissa: units * unit, scale: scale).normalized
    }
}
