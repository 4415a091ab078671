import MarketData
import Testing

private func parseDecimal(_ text: String) -> Double? {
    DecimalParser.parse(text)
}

@Suite("Decimal parser")
struct DecimalParserTests {
    @Test("typical price decimals match Double(String) exactly")
    func typicalDecimals() {
        for text in ["43251.17", "0.1", "0.2", "0.3", "1.005", "42283.58000000", "0.00000001", "1271.68108",
                     "123456789.123456", "9007199254740993", "5e-324", "1.7976931348623157e308", "-2.5", "+7", ".5", "5.",
                     "0", "-0.0", "1E3", "2.5e-3", "000123.4500", "3.14159265358979323846264338327950288"] {
            #expect(parseDecimal(text)?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }

    @Test("rejects what is not a plain decimal")
    func rejects() {
        for text in ["", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "0x10", "inf", "nan", "1 2", "1_000", "--1", "1e5.5"] {
            #expect(parseDecimal(text) == nil, "\(text)")
        }
    }

    @Test("random decimals (fast path and fallback) match Double(String) bit for bit")
    func randomDecimals() {
        var generator = SplitMix(seed: 7)
        for _ in 0..<200_000 {
            let integerDigits = Int(generator.next() % 9)
            let fractionDigits = Int(generator.next() % 12)
            var text = generator.next() % 10 == 0 ? "-" : ""
            for i in 0..<integerDigits {
                let digit = generator.next() % 10
                text += String(i == 0 && digit == 0 ? 1 : digit)
            }
            if integerDigits == 0 { text += "0" }
            if fractionDigits > 0 {
                text += "."
                for _ in 0..<fractionDigits { text += String(generator.next() % 10) }
            }
            if generator.next() % 8 == 0 {
                text += "e" + String(Int(generator.next() % 60) - 30)
            }
            if generator.next() % 50 == 0 {
                text += String(repeating: "7", count: Int(generator.next() % 15))  // > 19 significant digits
            }
            #expect(parseDecimal(text)?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }

    @Test("every Double's shortest description parses back to the same Double")
    func randomDoubles() {
        var generator = SplitMix(seed: 11)
        var checked = 0
        while checked < 100_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            checked += 1
            #expect(parseDecimal("\(value)")?.bitPattern == value.bitPattern, "\(value)")
        }
    }
}
