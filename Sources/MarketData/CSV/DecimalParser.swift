/// Fast, correctly rounded decimal → `Double` conversion for CSV fields.
///
/// Syntax: `[+-]digits[.digits][(e|E)[+-]digits]` with at least one mantissa digit (`.5` and `5.`
/// are accepted). No `inf`, `nan`, hex or thousands separators.
///
/// Fast path (Clinger): when the decimal mantissa has at most 19 significant digits, is at most
/// 2^53 and the decimal exponent is within ±22, `mantissa × 10^e` (or `÷ 10^-e`) involves two
/// exactly representable operands and a single IEEE rounding, so the result is the correctly
/// rounded double — identical to `Double(String)`. Every other input falls back to the standard
/// library's `Double(Substring)`, which is also correctly rounded.
///
/// Public because venue payloads (e.g. Binance REST klines) carry prices as decimal strings too.
public enum DecimalParser {
    @usableFromInline
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses `text`; `nil` when it is not a decimal number of the accepted syntax.
    public static func parse(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { parse($0, 0, $0.count) }
    }

    /// Parses `buffer[start..<end]`; `nil` when the text is not a decimal number.
    @inline(__always)
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if buffer[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        } else if buffer[i] == UInt8(ascii: "+") {
            i += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digitCount = 0
        var exponent = 0
        var exact = true
        // Integer part.
        while i < end {
            let d = buffer[i] &- 48
            guard d < 10 else { break }
            digitCount += 1
            if mantissa != 0 || d != 0 {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significantDigits += 1
                } else {
                    exact = false
                }
            }
            i += 1
        }
        // Fraction.
        if i < end, buffer[i] == UInt8(ascii: ".") {
            i += 1
            while i < end {
                let d = buffer[i] &- 48
                guard d < 10 else { break }
                digitCount += 1
                if mantissa != 0 || d != 0 {
                    if significantDigits < 19 {
                        mantissa = mantissa &* 10 &+ UInt64(d)
                        significantDigits += 1
                        exponent -= 1
                    } else {
                        exact = false
                    }
                } else {
                    exponent -= 1
                }
                i += 1
            }
        }
        guard digitCount > 0 else { return nil }
        if i < end, buffer[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < end, buffer[i] == UInt8(ascii: "-") || buffer[i] == UInt8(ascii: "+") {
                expNegative = buffer[i] == UInt8(ascii: "-")
                i += 1
            }
            var explicit = 0
            var expDigits = 0
            while i < end {
                let d = buffer[i] &- 48
                guard d < 10 else { break }
                if explicit < 100_000 { explicit = explicit * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            exponent += expNegative ? -explicit : explicit
        }
        guard i == end else { return nil }

        if exact, mantissa <= 1 << 53 {
            var value = Double(mantissa)
            if mantissa == 0 {
                return negative ? -0.0 : 0.0
            }
            if exponent == 0 {
                return negative ? -value : value
            }
            if exponent > 0, exponent <= 22 {
                value *= powersOfTen[exponent]
                return negative ? -value : value
            }
            if exponent < 0, exponent >= -22 {
                value /= powersOfTen[-exponent]
                return negative ? -value : value
            }
        }
        return slowPath(buffer, start, end)
    }

    @inline(never)
    static func slowPath(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
        return Double(text)
    }
}
