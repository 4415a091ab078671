/// The exact decimal the Binance test server keeps balances, prices and filters in
/// (`mantissa × 10^−scale`). Kept apart from the product's `VenueDecimal` so the server checks
/// orders with its own arithmetic, not the adapter's.
public struct BinanceTestDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    let mantissa: Int128
    let scale: Int

    init(mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    static let zero = BinanceTestDecimal(mantissa: 0, scale: 0)

    /// `text` parsed, or 0 when it is not a number (market settings are the test's own strings).
    static func parse(_ text: String) -> BinanceTestDecimal { BinanceTestDecimal(text) ?? .zero }

    /// `"12"`, `"0.00100000"`, `"-1.5"`, `"1e-05"`; nil for anything else.
    public init?(_ text: String) {
        var mantissa: Int128 = 0
        var scale = 0
        var exponent = 0
        var seenDigit = false
        var seenPoint = false
        var characters = Substring(text)
        var negative = false
        if characters.first == "-" || characters.first == "+" {
            negative = characters.first == "-"
            characters = characters.dropFirst()
        }
        while let character = characters.first {
            characters = characters.dropFirst()
            if character.isASCII, let digit = character.wholeNumberValue {
                guard mantissa < Int128(10).power(30) else { return nil }
                mantissa = mantissa * 10 + Int128(digit)
                if seenPoint { scale += 1 }
                seenDigit = true
            } else if character == ".", !seenPoint {
                seenPoint = true
            } else if character == "e" || character == "E", seenDigit, let value = Int(characters) {
                exponent = value
                characters = ""
            } else {
                return nil
            }
        }
        guard seenDigit else { return nil }
        scale -= exponent
        while scale < 0 {
            mantissa *= 10
            scale += 1
        }
        guard scale <= 30 else { return nil }
        self.init(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    /// The shortest decimal that reads back as `value`.
    public init(_ value: Double) {
        self = BinanceTestDecimal("\(value)") ?? .zero
    }

    var normalized: BinanceTestDecimal {
        var mantissa = mantissa
        var scale = scale
        while scale > 0, mantissa % 10 == 0 {
            mantissa /= 10
            scale -= 1
        }
        return BinanceTestDecimal(mantissa: mantissa, scale: scale)
    }

    private func mantissa(at target: Int) -> Int128 {
        mantissa * Int128(10).power(max(0, target - scale))
    }

    public static func < (lhs: BinanceTestDecimal, rhs: BinanceTestDecimal) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        return lhs.mantissa(at: scale) < rhs.mantissa(at: scale)
    }

    public static func == (lhs: BinanceTestDecimal, rhs: BinanceTestDecimal) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        return lhs.mantissa(at: scale) == rhs.mantissa(at: scale)
    }

    public func hash(into hasher: inout Hasher) {
        let normal = normalized
        hasher.combine(normal.mantissa)
        hasher.combine(normal.scale)
    }

    static func + (lhs: BinanceTestDecimal, rhs: BinanceTestDecimal) -> BinanceTestDecimal {
        let scale = max(lhs.scale, rhs.scale)
        return BinanceTestDecimal(mantissa: lhs.mantissa(at: scale) + rhs.mantissa(at: scale), scale: scale).normalized
    }

    static func - (lhs: BinanceTestDecimal, rhs: BinanceTestDecimal) -> BinanceTestDecimal {
        let scale = max(lhs.scale, rhs.scale)
        return BinanceTestDecimal(mantissa: lhs.mantissa(at: scale) - rhs.mantissa(at: scale), scale: scale).normalized
    }

    static func * (lhs: BinanceTestDecimal, rhs: BinanceTestDecimal) -> BinanceTestDecimal {
        BinanceTestDecimal(mantissa: lhs.mantissa * rhs.mantissa, scale: lhs.scale + rhs.scale).normalized
    }

    var isPositive: Bool { mantissa > 0 }
    var isZero: Bool { mantissa == 0 }

    /// Whether `self` is a whole multiple of `step` (true for a non-positive step: no grid).
    func isMultiple(of step: BinanceTestDecimal) -> Bool {
        guard step.isPositive else { return true }
        let scale = max(self.scale, step.scale)
        return mantissa(at: scale) % step.mantissa(at: scale) == 0
    }

    /// The multiple of `step` at or below `self` (toward zero); `self` for a non-positive step.
    func roundedDown(to step: BinanceTestDecimal) -> BinanceTestDecimal {
        guard step.isPositive else { return self }
        let scale = max(self.scale, step.scale)
        let unit = step.mantissa(at: scale)
        return BinanceTestDecimal(mantissa: mantissa(at: scale) / unit * unit, scale: scale).normalized
    }

    /// Digits after the point.
    var fractionDigits: Int { normalized.scale }

    /// Binance's spelling: at least 8 decimals (`"0.00100000"`), more when the value has them.
    public var wire: String { formatted(decimals: max(8, fractionDigits)) }

    /// Fixed `decimals` digits after the point; the value must not have more.
    func formatted(decimals: Int) -> String {
        let normal = normalized
        let decimals = max(decimals, normal.scale)
        let negative = mantissa < 0
        var digits = String(normal.mantissa(at: decimals).magnitude)
        guard decimals > 0 else { return (negative ? "-" : "") + digits }
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -decimals)
        return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
    }

    /// Plain notation without trailing zeros.
    public var description: String { formatted(decimals: fractionDigits) }

    public var doubleValue: Double { Double(description) ?? 0 }
}

extension Int128 {
    fileprivate func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<Swift.max(0, exponent) { result *= self }
        return result
    }
}
