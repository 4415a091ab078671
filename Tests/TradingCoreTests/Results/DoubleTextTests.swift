import Testing
@testable import TradingCore

/// `DoubleText` must write exactly `description`'s bytes (the document and the order fingerprint depend on it).
@Suite("Double text")
struct DoubleTextTests {
    static func text(_ value: Double, dropsZeroFraction: Bool = false) -> String {
        var text = ""
        DoubleText.withFormatted(value, dropsZeroFraction: dropsZeroFraction) { text = String(decoding: $0, as: UTF8.self) }
        return text
    }

    @Test("hand-picked values: the description, and the trailing .0 dropped on request")
    func handPicked() {
        let cases: [(Double, String)] = [
            (0, "0.0"), (-0.0, "-0.0"), (1, "1.0"), (0.1, "0.1"), (1e-5, "1e-05"), (42_123.45, "42123.45"),
            (0.1 + 0.2, "0.30000000000000004"), (1e16, "1e+16"), (-2.5, "-2.5"), (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"),
            (123_456_789.123_456_78, "123456789.12345678"),
        ]
        for (value, expected) in cases {
            #expect(Self.text(value) == expected)
            #expect(Self.text(value) == value.description)
        }
        #expect(Self.text(2, dropsZeroFraction: true) == "2")
        #expect(Self.text(-0.0, dropsZeroFraction: true) == "-0")
        #expect(Self.text(1e16, dropsZeroFraction: true) == "1e+16")
        #expect(Self.text(0.5, dropsZeroFraction: true) == "0.5")
    }

    @Test("100,000 pseudo-random bit patterns and 100,000 price-like values match description")
    func randomPatterns() {
        var state: UInt64 = 0x1234_5678_9abc_def0
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        var mismatches = 0
        for _ in 0..<100_000 {
            let bits = Double(bitPattern: next())
            if Self.text(bits) != bits.description { mismatches += 1 }
            let price = Double(next() % 10_000_000) / 100 * 1.000_1
            if Self.text(price) != price.description { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
