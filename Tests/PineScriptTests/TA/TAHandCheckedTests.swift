import Testing
@testable import PineScript

/// A few bars computed by hand for the functions that have no TradingView export (and for edge
/// cases the exports do not reach).
@Suite("ta hand-checked")
struct TAHandCheckedTests {
    func near(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool {
        a.isNaN ? b.isNaN : abs(a - b) <= tol * Swift.max(1, abs(b))
    }

    @Test("the reference comparison itself: 1e-9 relative, na only matches na")
    func tolerance() {
        #expect(taClose(1, 1 + 1e-10))
        #expect(!taClose(1, 1 + 1e-8))
        #expect(!taClose(.nan, 0))
        #expect(!taClose(0, .nan))
        #expect(taClose(.nan, .nan))
        #expect(taClose(1e-13, 0))
    }

    @Test("dmi(2, 2)")
    func dmi() {
        var d = TADMI(diLength: 2, adxSmoothing: 2)
        let r0 = d.update(high: 10, low: 8, close: 9)
        #expect(r0.plus.isNaN && r0.minus.isNaN && r0.adx.isNaN)
        let r1 = d.update(high: 11, low: 9, close: 10)
        #expect(r1.plus.isNaN)
        let r2 = d.update(high: 12, low: 9, close: 11)  // trur 2.5, +DM rma 1, -DM rma 0
        #expect(near(r2.plus, 40) && near(r2.minus, 0) && r2.adx.isNaN)
        let r3 = d.update(high: 11, low: 7, close: 8)   // trur 3.25, +DM 0.5, -DM 1
        #expect(near(r3.plus, 100 * 0.5 / 3.25) && near(r3.minus, 100 / 3.25))
        #expect(near(r3.adx, 100 * (1 + 1.0 / 3) / 2))
    }

    @Test("supertrend(1, 2): 0 on the first bar, bands ratchet, direction flips")
    func supertrend() {
        var s = TASupertrend(factor: 1, atrPeriod: 2)
        let bars: [(Double, Double, Double)] = [(10, 8, 9), (11, 9, 10), (12, 10, 11.5), (14, 12, 13.5), (13, 11, 11.2)]
        let expected: [(Double, Double)] = [(0, 1), (12, 1), (12, 1), (10.75, -1), (10.75, -1)]
        for (bar, e) in zip(bars, expected) {
            let r = s.update(high: bar.0, low: bar.1, close: bar.2)
            #expect(near(r.supertrend, e.0) && r.direction == e.1, "\(bar) -> \(r), expected \(e)")
        }
        var w = TASupertrend(factor: 3, atrPeriod: 3)  // na during the rest of the ATR warm-up
        #expect(w.update(high: 10, low: 8, close: 9).supertrend == 0)
        #expect(w.update(high: 11, low: 9, close: 10).supertrend.isNaN)
        #expect(!w.update(high: 12, low: 10, close: 11).supertrend.isNaN)
    }

    @Test("sar(0.02, 0.02, 0.2): start, acceleration, two-bar clamp, reversal")
    func sar() {
        var s = TASAR(start: 0.02, increment: 0.02, maximum: 0.2)
        let bars: [(Double, Double, Double)] = [(10, 9, 9.5), (11, 10, 10.8), (12, 11, 11.5), (12.5, 11.8, 12), (12, 8, 8.5), (9, 7.5, 8)]
        let expected: [Double] = [.nan, 9, 9, 9.12, 12.5, 12.5]
        for (bar, e) in zip(bars, expected) {
            let r = s.update(high: bar.0, low: bar.1, close: bar.2)
            #expect(near(r, e), "\(bar) -> \(r), expected \(e)")
        }
    }

    @Test("kc(close, 2, 1) and kcw, with and without true range")
    func kc() {
        var k = TAKC(length: 2, multiplier: 1)
        var w = TAKCW(length: 2, multiplier: 1)
        var hl = TAKC(length: 2, multiplier: 1, useTrueRange: false)
        let bars: [(Double, Double, Double)] = [(10, 8, 9), (11, 9, 10), (12, 9, 11)]
        var out: [(middle: Double, upper: Double, lower: Double)] = []
        var widths: [Double] = []
        var hls: [(middle: Double, upper: Double, lower: Double)] = []
        for b in bars {
            out.append(k.update(b.2, high: b.0, low: b.1, close: b.2))
            widths.append(w.update(b.2, high: b.0, low: b.1, close: b.2))
            hls.append(hl.update(b.2, high: b.0, low: b.1, close: b.2))
        }
        #expect(out[0].middle.isNaN && out[0].upper.isNaN)
        #expect(out[1].middle == 9.5 && out[1].upper.isNaN && out[1].lower.isNaN)
        #expect(near(out[2].middle, 10.5) && near(out[2].upper, 13) && near(out[2].lower, 8))
        #expect(near(widths[2], 5 / 10.5))
        #expect(hls[1].middle == 9.5 && hls[1].upper == 11.5 && hls[1].lower == 7.5)
    }

    @Test("variance / stdev / dev on 1, 2, 4")
    func dispersion() {
        var vb = TAVariance(length: 3), vu = TAVariance(length: 3, biased: false)
        var sd = TAStdev(length: 3), dev = TADev(length: 3)
        var last = (0.0, 0.0, 0.0, 0.0)
        for x in [1.0, 2, 4] { last = (vb.update(x), vu.update(x), sd.update(x), dev.update(x)) }
        #expect(near(last.0, 14.0 / 9))
        #expect(near(last.1, 7.0 / 3))
        #expect(near(last.2, (14.0 / 9).squareRoot()))
        #expect(near(last.3, 10.0 / 9))
        var one = TAVariance(length: 1, biased: false)
        #expect(one.update(5).isNaN)
    }

    @Test("change / mom / roc use source[length]")
    func changes() {
        var c = TAChange(length: 2), m = TAMom(length: 2), r = TAROC(length: 2)
        let xs = [10.0, 11, 12.1, 11]
        let ch = xs.map { c.update($0) }, mo = xs.map { m.update($0) }, ro = xs.map { r.update($0) }
        #expect(ch[0].isNaN && ch[1].isNaN && near(ch[2], 2.1) && near(ch[3], 0))
        #expect(mo[2] == ch[2])
        #expect(ro[1].isNaN && near(ro[2], 21) && near(ro[3], 0))
        var b = TAChangeBool()
        #expect([false, true, true, false].map { b.update($0) } == [false, true, false, true])
    }

    @Test("pivothigh / pivotlow: reported rightbars later; a plateau counts at its last bar")
    func pivots() {
        var ph = TAPivot(leftBars: 2, rightBars: 1, isHigh: true)
        let highs = [1.0, 3, 2, 5, 4, 4, 3].map { ph.update($0) }
        #expect(highs[4] == 5)
        #expect(highs.enumerated().allSatisfy { $0.offset == 4 || $0.element.isNaN })
        var plateau = TAPivot(leftBars: 1, rightBars: 1, isHigh: true)
        let p = [1.0, 5, 5, 1].map { plateau.update($0) }
        #expect(p[2].isNaN && p[3] == 5)
        var pl = TAPivot(leftBars: 1, rightBars: 2, isHigh: false)
        let lows = [5.0, 3, 1, 2, 4, 0].map { pl.update($0) }
        #expect(lows[4] == 1)
        #expect(lows.enumerated().allSatisfy { $0.offset == 4 || $0.element.isNaN })
    }

    @Test("barssince, cum, valuewhen, min/max")
    func counters() {
        var b = TABarssince()
        let r = [false, true, false, false, true].map { b.update($0) }
        #expect(r[0].isNaN && Array(r[1...]) == [0, 1, 2, 0])
        var c = TACum()
        let s = [1.0, .nan, 2].map { c.update($0) }
        #expect(s[0] == 1 && s[1].isNaN && s[2] == 3)
        var v = TAValuewhen(occurrence: 1)
        let w = [(true, 1.0), (false, 2), (true, 3), (true, 4)].map { v.update($0.0, $0.1) }
        #expect(w[0].isNaN && w[1].isNaN && w[2] == 1 && w[3] == 3)
        var mx = TAMax(), mn = TAMin()
        #expect([3.0, .nan, 5, 4].map { mx.update($0) } == [3, 3, 5, 5])
        #expect([.nan, 3.0, 1, 2].map { mn.update($0) }.dropFirst() == [3, 1, 1])
    }

    @Test("rsi edge cases: only gains 100, only losses 0, flat na")
    func rsiEdges() {
        var up = TARSI(length: 2), down = TARSI(length: 2), flat = TARSI(length: 2)
        let u = [1.0, 2, 3, 4].map { up.update($0) }
        let d = [4.0, 3, 2, 1].map { down.update($0) }
        let f = [1.0, 1, 1, 1].map { flat.update($0) }
        #expect(u[0].isNaN && u[1].isNaN && u[2] == 100 && u[3] == 100)
        #expect(d[2] == 0 && d[3] == 0)
        #expect(f.allSatisfy { $0.isNaN })
        var skip = TARSI(length: 2)  // na source bars are skipped
        let k = [1.0, .nan, 2, 3].map { skip.update($0) }
        #expect(k[1].isNaN && k[2].isNaN && k[3] == 100)
    }

    @Test("rank statistics: percentiles, median, mode, percentrank, highestbars ties")
    func ranks() {
        var nr = TAPercentileNearestRank(length: 4, percentage: 50)
        var li = TAPercentileLinearInterpolation(length: 4, percentage: 50)
        var md = TAMedian(length: 4)
        var a = 0.0, b = 0.0, c = 0.0
        for x in [4.0, 1, 3, 2] { a = nr.update(x); b = li.update(x); c = md.update(x) }
        #expect(a == 2 && b == 2.5 && c == 2.5)
        var mo = TAMode(length: 5)
        var m = 0.0
        for x in [3.0, 2, 2, 3, 1] { m = mo.update(x) }
        #expect(m == 2)
        var pr = TAPercentRank(length: 3)
        let p = [1.0, 2, 3, 2].map { pr.update($0) }
        #expect(p[2].isNaN && near(p[3], 200.0 / 3))
        var hb = TAHighestBars(length: 3), lb = TALowestBars(length: 3)
        #expect([5.0, 5, 4].map { hb.update($0) }.last == -2)
        #expect([4.0, 5, 4].map { lb.update($0) }.last == -2)
        var li0 = TAPercentileLinearInterpolation(length: 4, percentage: 0)
        var last = 0.0
        for x in [4.0, .nan, 3, 2] { last = li0.update(x) }
        #expect(last == 2)  // low clamp still answers with an na in the window
    }

    @Test("vwap bands, anchors, and the volume indicators on two bars")
    func volume() {
        var v = TAVWAPBands(stdevMultiplier: 2)
        #expect(v.update(5, volume: 1, anchor: false).vwap.isNaN)  // before the first anchor
        _ = v.update(1, volume: 1, anchor: true)
        let r = v.update(3, volume: 1, anchor: false)
        #expect(r.vwap == 2 && r.upper == 4 && r.lower == 0)
        var obv = TAOBV()
        #expect(obv.update(close: 10, volume: 5).isNaN)
        #expect(obv.update(close: 11, volume: 7) == 7)
        #expect(obv.update(close: 10, volume: 2) == 5)
        var pvt = TAPVT()
        #expect(pvt.update(close: 10, volume: 5).isNaN)
        #expect(near(pvt.update(close: 11, volume: 10), 1))
    }

    @Test("moving averages: hma, alma, vwma by hand")
    func averages() {
        var a = TAALMA(length: 1, offset: 0.85, sigma: 6)
        #expect(a.update(7) == 7)
        var vw = TAVWMA(length: 2)
        _ = vw.update(1, volume: 1)
        #expect(vw.update(4, volume: 3) == (1 + 12) / 4.0)
        var h = TAHMA(length: 4)  // wma(2*wma(2) - wma(4), 2)
        let out = [1.0, 2, 3, 4, 5].map { h.update($0) }
        #expect(out[0..<4].allSatisfy { $0.isNaN })
        // bar 3: wma2 = 11/3, wma4 = 3, raw 13/3; bar 4: wma2 = 14/3, wma4 = 4, raw 16/3 -> (13/3 + 32/3)/3 = 5
        #expect(near(out[4], 5))
    }
}

@Suite("ta window extremes vs brute force")
struct TAWindowExtremeTests {
    @Test("highest/lowest/bars and pivots agree with a scan, with ties and na", arguments: [1, 2, 3, 5, 8])
    func againstScan(length: Int) {
        var seed: UInt64 = 0x9E3779B97F4A7C15 &+ UInt64(length)
        var xs: [Double] = []
        for _ in 0..<2000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(seed >> 59)  // 0...31
            xs.append(r == 0 ? .nan : Double(r % 6))  // few distinct values: many ties
        }
        for isMax in [true, false] {
            for newestWins in [false, true] {
                var ext = TAWindowExtreme(length: length, isMax: isMax, newestWins: newestWins)
                for i in xs.indices {
                    let (v, at) = ext.update(xs[i])
                    var best = Double.nan, bestAt = -1
                    if i >= length - 1 {
                        for k in 0..<length {
                            let x = xs[i - k]
                            if x.isNaN { continue }
                            let better = best.isNaN || (isMax ? x > best : x < best)
                            let tie = x == best
                            // scanning newest -> oldest: oldest-wins takes later ties, newest-wins keeps the first
                            if better || (tie && !newestWins) { best = x; bestAt = k }
                        }
                    }
                    #expect(v.isNaN == best.isNaN && (v.isNaN || (v == best && at == bestAt)),
                            "length \(length) max \(isMax) newest \(newestWins) bar \(i): \(v)@\(at) vs \(best)@\(bestAt)")
                    if !(v.isNaN == best.isNaN && (v.isNaN || (v == best && at == bestAt))) { return }
                }
            }
        }
    }
}
