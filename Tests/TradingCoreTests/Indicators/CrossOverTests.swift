import Testing
@testable import TradingCore

@Suite("CrossOver")
struct CrossOverTests {
    /// Feeds differences (fast − slow, slow = 0) and returns "U", "D" or "-" per update.
    static func signals(_ differences: [Double], slow: Double = 0) -> String {
        var cross = CrossOver()
        var out = ""
        for d in differences {
            cross.update(fast: slow + d, slow: slow)
            #expect(!(cross.crossedUp && cross.crossedDown))
            out += cross.crossedUp ? "U" : cross.crossedDown ? "D" : "-"
        }
        return out
    }

    @Test("A tie between opposite signs does not lose the cross: −1, 0, +1 crosses up at +1")
    func tieThenCrossUp() {
        #expect(Self.signals([-1, 0, 1]) == "--U")
        #expect(Self.signals([1, 0, -1]) == "--D")
        #expect(Self.signals([-1, 0, 0, 0, 0, 3]) == "-----U")
    }

    @Test("A tie between equal signs creates nothing: −1, 0, 0, −2 and +1, 0, +2")
    func tieWithoutCross() {
        #expect(Self.signals([-1, 0, 0, -2]) == "----")
        #expect(Self.signals([1, 0, 2]) == "---")
    }

    @Test("Direct crosses, repeated crosses, and no signal on the first non-zero difference")
    func directCrosses() {
        #expect(Self.signals([1]) == "-")
        #expect(Self.signals([-1]) == "-")
        #expect(Self.signals([0, 0, 1, 2, -1, -2, 3, 0, -4, 0, 0, 5]) == "----D-U-D--U")
    }

    @Test("Leading zeros: a tie is not a sign, so 0, +1 does not cross")
    func leadingZeros() {
        var cross = CrossOver()
        cross.update(fast: 5, slow: 5)
        #expect(!cross.isReady && !cross.crossedUp && !cross.crossedDown)
        cross.update(fast: 6, slow: 5)
        #expect(cross.isReady && !cross.crossedUp)
    }

    @Test("Signals last one update only")
    func signalIsOneBar() {
        var cross = CrossOver()
        cross.update(fast: 1, slow: 2)
        cross.update(fast: 3, slow: 2)
        #expect(cross.crossedUp)
        cross.update(fast: 4, slow: 2)
        #expect(!cross.crossedUp && !cross.crossedDown)
    }

    @Test("NaN inputs (an average not ready) signal nothing and keep the state")
    func nanInputs() {
        var cross = CrossOver()
        cross.update(fast: .nan, slow: 1)
        #expect(!cross.isReady && !cross.crossedUp && !cross.crossedDown)
        cross.update(fast: 1, slow: 2)
        cross.update(fast: .nan, slow: .nan)
        #expect(!cross.crossedUp && !cross.crossedDown)
        cross.update(fast: 3, slow: .nan)
        #expect(!cross.crossedUp && !cross.crossedDown)
        cross.update(fast: 3, slow: 2)  // last non-zero sign was negative → cross up
        #expect(cross.crossedUp)
    }

    @Test("Comparison is exact: a difference of one ulp counts, an exact tie does not")
    func exactComparison() {
        let slow = 0.1 + 0.2  // 0.30000000000000004
        var cross = CrossOver()
        cross.update(fast: 0.3, slow: slow)  // 0.3 < slow by one ulp: negative
        cross.update(fast: 0.1 + 0.2, slow: slow)  // exact tie
        #expect(!cross.crossedUp && !cross.crossedDown)
        cross.update(fast: slow.nextUp, slow: slow)
        #expect(cross.crossedUp)
    }

    @Test("Matches the spec rule on a random stream with many ties")
    func randomAgainstSpec() {
        var random = IndicatorTestRandom(seed: 3)
        var cross = CrossOver()
        var lastNonZero = 0.0
        var mismatches = 0
        for _ in 0..<20_000 {
            // Small integers so exact ties are frequent.
            let fast = Double(Int(random.next() % 5)), slow = Double(Int(random.next() % 5))
            cross.update(fast: fast, slow: slow)
            let d = fast - slow
            let expectedUp = lastNonZero < 0 && d > 0
            let expectedDown = lastNonZero > 0 && d < 0
            if d != 0 { lastNonZero = d }
            if cross.crossedUp != expectedUp || cross.crossedDown != expectedDown { mismatches += 1 }
            if cross.isReady != (lastNonZero != 0) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("reset() forgets the remembered sign")
    func reset() {
        var cross = CrossOver()
        cross.update(fast: 1, slow: 2)
        cross.reset()
        #expect(!cross.isReady && !cross.crossedUp && !cross.crossedDown)
        cross.update(fast: 3, slow: 2)
        #expect(!cross.crossedUp)
    }
}
