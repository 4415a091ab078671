/// `ta.change(source, length)` = `source - source[length]` over the raw bar history (na when
/// either is na). `ta.mom` is the same function.
struct TAChange {
    let length: Int
    private var history: TAHistory
    init(length: Int = 1) {
        self.length = Swift.max(1, length)
        history = TAHistory(depth: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        history.push(source)
        return source - history[length]
    }
}

/// `ta.change(source, length)` on a bool series: true when the value differs from
/// `source[length]`; false while `source[length]` does not exist.
struct TAChangeBool {
    let length: Int
    private var history: TAHistory
    private var bars = 0
    init(length: Int = 1) {
        self.length = Swift.max(1, length)
        history = TAHistory(depth: self.length)
    }
    mutating func update(_ source: Bool) -> Bool {
        history.push(source ? 1 : 0)
        bars += 1
        return bars > length && history[0] != history[length]
    }
}

/// `ta.mom(source, length)` = `source - source[length]` (see `TAChange`).
typealias TAMom = TAChange

/// `ta.roc(source, length)` = `100 * (source - source[length]) / source[length]`; na when the
/// source or `source[length]` is na.
struct TAROC {
    let length: Int
    private var history: TAHistory
    init(length: Int) {
        self.length = Swift.max(1, length)
        history = TAHistory(depth: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        history.push(source)
        let prev = history[length]
        if source.isNaN || prev.isNaN { return .nan }
        return 100 * (source - prev) / prev
    }
}

/// `ta.rsi(source, length)`: `u = max(x - x[1], 0)`, `d = max(x[1] - x, 0)` over the non-na
/// source values, `rs = rma(u, length) / rma(d, length)`, `rsi = 100 - 100 / (1 + rs)`.
/// So `rsi = 100` when the loss average is 0 and the gain average is not, `0` when the gain average
/// is 0, and na when both are 0 (0/0; a perfectly flat window). An na source yields na and is
/// skipped. First value after `length + 1` non-na values.
struct TARSI {
    private var up: TARMA
    private var down: TARMA
    private var prev = Double.nan
    init(length: Int) {
        up = TARMA(length: length)
        down = TARMA(length: length)
    }
    mutating func update(_ source: Double) -> Double {
        if source.isNaN { return .nan }
        if prev.isNaN {
            prev = source
            return .nan
        }
        let u = up.update(Swift.max(source - prev, 0))
        let d = down.update(Swift.max(prev - source, 0))
        prev = source
        if u.isNaN || d.isNaN { return .nan }
        if d == 0 { return u == 0 ? .nan : 100 }
        return 100 - 100 / (1 + u / d)
    }
}

/// `ta.macd(source, fast, slow, signal)`: `macd = ema(source, fast) - ema(source, slow)`,
/// `signal = ema(macd, signal)`, `histogram = macd - signal`. While either EMA is na all three
/// are na (and the signal EMA is not fed).
struct TAMACD {
    private var fast: TAEMA
    private var slow: TAEMA
    private var signal: TAEMA
    init(fastLength: Int, slowLength: Int, signalLength: Int) {
        fast = TAEMA(length: fastLength)
        slow = TAEMA(length: slowLength)
        signal = TAEMA(length: signalLength)
    }
    mutating func update(_ source: Double) -> (macd: Double, signal: Double, histogram: Double) {
        let f = fast.update(source)
        let s = slow.update(source)
        if f.isNaN || s.isNaN { return (.nan, .nan, .nan) }
        let m = f - s
        let sig = signal.update(m)
        if sig.isNaN { return (m, .nan, .nan) }
        return (m, sig, m - sig)
    }
}

/// `ta.dev(source, length)`: mean absolute deviation `sum(|source[i] - sma|) / length` over the
/// last `length` bars (raw history; na if any is na), `sma = ta.sma(source, length)`.
/// `length == 1` gives 0.
struct TADev {
    let length: Int
    private var mean: TASMA
    private var window: TARing
    init(length: Int) {
        self.length = Swift.max(1, length)
        mean = TASMA(length: self.length)
        window = TARing(capacity: self.length)
    }
    /// Returns the deviation and the SMA it was measured from.
    mutating func updateWithMean(_ source: Double) -> (dev: Double, mean: Double) {
        window.push(source)
        let m = mean.update(source)
        if length == 1 { return (0, m) }
        if m.isNaN { return (.nan, m) }
        var sum = 0.0
        for i in 0..<length { sum += abs(window[i] - m) }
        return (sum / Double(length), m)
    }
    mutating func update(_ source: Double) -> Double { updateWithMean(source).dev }
}

/// `ta.cci(source, length)` = `(source - sma(source, length)) / (0.015 * dev(source, length))`.
struct TACCI {
    private var dev: TADev
    init(length: Int) { dev = TADev(length: length) }
    mutating func update(_ source: Double) -> Double {
        let (d, m) = dev.updateWithMean(source)
        if d.isNaN { return .nan }
        return (source - m) / (0.015 * d)
    }
}

/// `ta.cmo(source, length)`: with `mom = change(source)`, `up = sum(mom >= 0 ? mom : 0, length)`,
/// `down = sum(mom >= 0 ? 0 : -mom, length)`, `cmo = 100 * (up - down) / (up + down)`. The sign
/// test is tolerant (|mom| < 1e-10 counts as up, as TradingView measures); na bars of `mom` are
/// skipped; both sums 0 gives na.
struct TACMO {
    private var change = TAChange(length: 1)
    private var up: TARollingSum
    private var down: TARollingSum
    init(length: Int) {
        up = TARollingSum(length: length)
        down = TARollingSum(length: length)
    }
    mutating func update(_ source: Double) -> Double {
        let mom = change.update(source)
        if mom.isNaN { return .nan }
        let rising = mom >= -taEpsilon
        let s1 = up.update(rising ? mom : 0)
        let s2 = down.update(rising ? 0 : -mom)
        if s1.isNaN || s2.isNaN { return .nan }
        let total = s1 + s2
        if total == 0 { return .nan }
        return 100 * (s1 - s2) / total
    }
}

/// `ta.mfi(source, length)`: `upper = sum(volume * (change(source) <= 0 ? 0 : source), length)`,
/// `lower = sum(volume * (change(source) >= 0 ? 0 : source), length)`,
/// `mfi = 100 - 100 / (1 + upper / lower)`; the direction tests are tolerant (1e-10); on the first
/// bar (change na) the bar's money flow counts on both sides; `lower == 0` gives 100.
/// An na source yields na and is skipped.
struct TAMFI {
    private var prev = Double.nan
    private var upper: TARollingSum
    private var lower: TARollingSum
    init(length: Int) {
        upper = TARollingSum(length: length)
        lower = TARollingSum(length: length)
    }
    mutating func update(_ source: Double, volume: Double) -> Double {
        if source.isNaN { return .nan }
        let chg = source - prev
        prev = source
        let chgNA = chg.isNaN
        var u = upper.update(volume * (!chgNA && chg <= taEpsilon ? 0 : source))
        var l = lower.update(volume * (!chgNA && chg >= -taEpsilon ? 0 : source))
        if u.isNaN || l.isNaN { return .nan }
        if abs(u) <= taEpsilon { u = 0 }
        if abs(l) <= taEpsilon { l = 0 }
        if l == 0 { return 100 }
        return 100 - (100 / (1 + u / l))
    }
}

/// `ta.stoch(source, high, low, length)` = `100 * (source - lowest(low, length)) /
/// (highest(high, length) - lowest(low, length))`, not clamped. na while fewer than `length` bars
/// or when any input is na (such a bar is skipped by the windows).
struct TAStoch {
    let length: Int
    private var highs: TAHighest
    private var lows: TALowest
    private var bars = 0
    init(length: Int) {
        self.length = Swift.max(1, length)
        highs = TAHighest(length: self.length)
        lows = TALowest(length: self.length)
    }
    mutating func update(_ source: Double, high: Double, low: Double) -> Double {
        bars += 1
        if source.isNaN || high.isNaN || low.isNaN { return .nan }
        let h = highs.update(high)
        let l = lows.update(low)
        if bars < length || h.isNaN || l.isNaN { return .nan }
        return 100 * (source - l) / (h - l)
    }
}

/// `ta.tsi(source, short, long)`: `m = change(source)`,
/// `tsi = ema(ema(m, long), short) / ema(ema(|m|, long), short)` (a ratio in [-1, 1], not ×100).
/// na bars of `m` are skipped; the outer EMAs only see bars where both inner ones exist.
struct TATSI {
    private var change = TAChange(length: 1)
    private var longM: TAEMA
    private var longA: TAEMA
    private var shortM: TAEMA
    private var shortA: TAEMA
    init(shortLength: Int, longLength: Int) {
        longM = TAEMA(length: longLength)
        longA = TAEMA(length: longLength)
        shortM = TAEMA(length: shortLength)
        shortA = TAEMA(length: shortLength)
    }
    mutating func update(_ source: Double) -> Double {
        if source.isNaN { return .nan }
        let m = change.update(source)
        if m.isNaN { return .nan }
        let lm = longM.update(m)
        let la = longA.update(abs(m))
        if lm.isNaN || la.isNaN { return .nan }
        let sm = shortM.update(lm)
        let sa = shortA.update(la)
        if sa.isNaN { return .nan }
        return sm / sa
    }
}

/// `ta.wpr(length)` (Williams %R) = `100 * (close - highest(high, length)) /
/// (highest(high, length) - lowest(low, length))`; na during the first `length - 1` bars.
struct TAWPR {
    private var highs: TAHighest
    private var lows: TALowest
    init(length: Int) {
        highs = TAHighest(length: length)
        lows = TALowest(length: length)
    }
    mutating func update(high: Double, low: Double, close: Double) -> Double {
        let h = highs.update(high)
        let l = lows.update(low)
        return 100 * (close - h) / (h - l)
    }
}

/// `ta.cog(source, length)` (center of gravity) = `-sum(source[i] * (i + 1)) / sum(source[i])`,
/// `i = 0..length-1` over the last `length` non-na values. An na source returns the last value
/// (na while warming up) without advancing the window.
struct TACOG {
    let length: Int
    private var window: TARing
    private var last = Double.nan
    init(length: Int) {
        self.length = Swift.max(1, length)
        window = TARing(capacity: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        if source.isNaN { return last }
        window.push(source)
        if !window.isFull { return .nan }
        var num = 0.0, sum = 0.0
        for i in 0..<length {
            let x = window[i]
            num += x * Double(i + 1)
            sum += x
        }
        last = -num / sum
        return last
    }
}

/// `ta.rci(source, length)` (rank correlation index): Spearman correlation, ×100, between the time
/// order and the value ranks of the last `length` bars (ties, values within 1e-10 of the smallest
/// of their group, share their average rank). na while `bar_index < length` (TradingView's first
/// value is on the bar with index `length`), when the source is na, or when the window is constant.
/// O(length) per bar in the usual case (last bar's sort order is kept and re-sorted by insertion).
struct TARCI {
    let length: Int
    private var window: TARing
    private var order: ContiguousArray<Int>
    private var ranks: ContiguousArray<Double>
    private var values: ContiguousArray<Double>
    private var bars = 0
    private var orderValid = false
    init(length: Int) {
        self.length = Swift.max(1, length)
        window = TARing(capacity: self.length)
        order = ContiguousArray(repeating: 0, count: self.length)
        ranks = ContiguousArray(repeating: 0, count: self.length)
        values = ContiguousArray(repeating: 0, count: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        bars += 1
        if source.isNaN || bars <= length { return .nan }
        let n = length
        for i in 0..<n {
            values[i] = window[i]
            if values[i].isNaN {
                orderValid = false
                return .nan
            }
        }
        if orderValid {
            // Last bar's order, aged by one bar: every offset moves up, the oldest leaves, the new
            // value (offset 0) goes last; then an insertion sort, O(length) on nearly sorted input.
            var w = 0
            for r in 0..<n {
                let k = order[r] + 1
                if k < n { order[w] = k; w += 1 }
            }
            order[n - 1] = 0
        } else {
            for k in 0..<n { order[k] = k }
            orderValid = true
        }
        for i in 1..<Swift.max(1, n) {
            let k = order[i]
            let v = values[k]
            var j = i
            while j > 0 && values[order[j - 1]] > v {
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = k
        }
        var pos = 0
        var i = 0
        while i < n {
            let anchor = values[order[i]]
            var j = i
            while j < n && values[order[j]] - anchor < 1e-10 { j += 1 }
            let avg = Double(n - 1) - Double(pos + pos + (j - i) - 1) / 2.0
            for t in i..<j { ranks[order[t]] = avg }
            pos += j - i
            i = j
        }
        let nd = Double(n)
        var sx = 0.0, sy = 0.0, sx2 = 0.0, sy2 = 0.0
        for k in 0..<n {
            let x = Double(k), y = ranks[k]
            sx += x; sy += y; sx2 += x * x; sy2 += y * y
        }
        let mx = sx / nd, my = sy / nd
        let vx = sx2 / nd - mx * mx
        let vy = sy2 / nd - my * my
        if vx <= 0 || vy <= 0 { return .nan }
        var cov = 0.0
        for k in 0..<n { cov += (Double(k) - mx) * (ranks[k] - my) }
        cov /= nd
        return (100.0 * cov) / (vx.squareRoot() * vy.squareRoot())
    }
}

/// `ta.dmi(diLength, adxSmoothing)` → `(plus, minus, adx)`:
/// `up = change(high)`, `down = -change(low)`, `+DM = up > down and up > 0 ? up : 0`,
/// `-DM = down > up and down > 0 ? down : 0` (tolerant comparisons, 1e-10),
/// `trur = rma(ta.tr, diLength)` (tr without na handling: na on the first bar),
/// `plus = 100 * rma(+DM, diLength) / trur`, `minus = 100 * rma(-DM, diLength) / trur`,
/// `adx = 100 * rma(|plus - minus| / (plus + minus == 0 ? 1 : plus + minus), adxSmoothing)`.
struct TADMI {
    private var upChange = TAChange(length: 1)
    private var downChange = TAChange(length: 1)
    private var tr = TATR(handleNA: false)
    private var trur: TARMA
    private var plusRMA: TARMA
    private var minusRMA: TARMA
    private var adxRMA: TARMA
    init(diLength: Int, adxSmoothing: Int) {
        trur = TARMA(length: diLength)
        plusRMA = TARMA(length: diLength)
        minusRMA = TARMA(length: diLength)
        adxRMA = TARMA(length: adxSmoothing)
    }
    mutating func update(high: Double, low: Double, close: Double) -> (plus: Double, minus: Double, adx: Double) {
        let up = upChange.update(high)
        let down = -downChange.update(low)
        let inputNA = up.isNaN || down.isNaN
        let a = trur.update(tr.update(high: high, low: low, close: close))
        let plusDM = inputNA ? Double.nan : (up - down > taEpsilon && up > taEpsilon ? up : 0)
        let minusDM = inputNA ? Double.nan : (down - up > taEpsilon && down > taEpsilon ? down : 0)
        var p = plusRMA.update(plusDM)
        var m = minusRMA.update(minusDM)
        if a.isNaN || p.isNaN || m.isNaN || a == 0 { return (.nan, .nan, .nan) }
        p = 100 * p / a
        m = 100 * m / a
        let sum = p + m
        let adx = adxRMA.update(abs(p - m) / (sum != 0 ? sum : 1)) * 100
        return (p, m, adx)
    }
}
