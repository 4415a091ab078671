import Testing
@testable import PineScript

extension TAReferenceTable {
    private func combine(_ f: (Double, Double, Double, Double) -> Double) -> [Double] {
        let o = open, h = high, l = low, c = close
        var out = [Double]()
        out.reserveCapacity(rowCount)
        for i in 0..<rowCount { out.append(f(o[i], h[i], l[i], c[i])) }
        return out
    }
    var hl2: [Double] { combine { _, h, l, _ in (h + l) / 2 } }
    var hlc3: [Double] { combine { _, h, l, c in (h + l + c) / 3 } }
    var ohlc4: [Double] { combine { o, h, l, c in (o + h + l + c) / 4 } }
    var hlcc4: [Double] { combine { _, h, l, c in (h + l + c + c) / 4 } }
}

/// Runs a fresh indicator state over a column.
func taSeries<S>(_ make: @autoclosure () -> S, _ src: [Double], _ step: (inout S, Double) -> Double) -> [Double] {
    var s = make()
    return src.map { step(&s, $0) }
}

@Suite("ta moving averages")
struct MovingAverageTests {
    @Test("ma.csv: sma ema rma alma wma hma swma vwma")
    func maReference() {
        guard let t = TAReferenceTable.load("ma.csv") else { return }
        expectMatches(taSeries(TASMA(length: 10), t.close) { $0.update($1) }, t["ta.sma(close, 10)"], "sma(close,10)")
        expectMatches(taSeries(TASMA(length: 20), t.hl2) { $0.update($1) }, t["ta.sma(hl2, 20)"], "sma(hl2,20)")
        expectMatches(taSeries(TASMA(length: 15), t.hlc3) { $0.update($1) }, t["ta.sma(hlc3, 15)"], "sma(hlc3,15)")
        expectMatches(taSeries(TAEMA(length: 20), t.close) { $0.update($1) }, t["ta.ema(close, 20)"], "ema(close,20)")
        expectMatches(taSeries(TAEMA(length: 10), t.ohlc4) { $0.update($1) }, t["ta.ema(ohlc4, 10)"], "ema(ohlc4,10)")
        expectMatches(taSeries(TARMA(length: 5), t.hlcc4) { $0.update($1) }, t["ta.rma(hlcc4, 5)"], "rma(hlcc4,5)")
        expectMatches(taSeries(TARMA(length: 15), t.high) { $0.update($1) }, t["ta.rma(high, 15)"], "rma(high,15)")
        expectMatches(taSeries(TAALMA(length: 5, offset: 0.85, sigma: 6), t.close) { $0.update($1) },
                      t["ta.alma(close, 5, 0.85, 6)"], "alma(close,5,0.85,6)")
        expectMatches(taSeries(TAALMA(length: 10, offset: 0.55, sigma: 12), t.close) { $0.update($1) },
                      t["ta.alma(close, 10, 0.55, 12)"], "alma(close,10,0.55,12)")
        expectMatches(taSeries(TAWMA(length: 5), t.close) { $0.update($1) }, t["ta.wma(close, 5)"], "wma(close,5)")
        expectMatches(taSeries(TAWMA(length: 20), t.close) { $0.update($1) }, t["ta.wma(close, 20)"], "wma(close,20)")
        expectMatches(taSeries(TAHMA(length: 9), t.close) { $0.update($1) }, t["ta.hma(close, 9)"], "hma(close,9)")
        expectMatches(taSeries(TAHMA(length: 20), t.close) { $0.update($1) }, t["ta.hma(close, 20)"], "hma(close,20)")
        expectMatches(taSeries(TASWMA(), t.hlc3) { $0.update($1) }, t["ta.swma(hlc3)"], "swma(hlc3)")
        var vw = TAVWMA(length: 20)
        let vwma = (0..<t.rowCount).map { vw.update(t.close[$0], volume: t.volume[$0]) }
        expectMatches(vwma, t["ta.vwma(close, 20)"], "vwma(close,20)")
    }

    @Test("hand-checked: sma/ema/rma warm-up and na skipping")
    func handChecked() {
        var sma = TASMA(length: 3)
        #expect(sma.update(1).isNaN)
        #expect(sma.update(2).isNaN)
        #expect(sma.update(3) == 2)
        #expect(sma.update(.nan) == 2)  // na bar: standing value, window unchanged
        #expect(sma.update(7) == 4)      // window 2, 3, 7
        var ema = TAEMA(length: 3)       // alpha 0.5, seed = sma
        #expect(ema.update(1).isNaN)
        #expect(ema.update(.nan).isNaN)
        #expect(ema.update(2).isNaN)
        #expect(ema.update(3) == 2)
        #expect(ema.update(4) == 3)
        var rma = TARMA(length: 2)
        #expect(rma.update(2).isNaN)
        #expect(rma.update(4) == 3)
        #expect(rma.update(5) == 4)
        var wma = TAWMA(length: 3)
        _ = wma.update(1); _ = wma.update(2)
        #expect(wma.update(3) == (1 + 4 + 9) / 6.0)
        var swma = TASWMA()
        _ = swma.update(1); _ = swma.update(2); _ = swma.update(3)
        #expect(swma.update(4) == (4 + 6 + 4 + 1) / 6.0)
    }
}
