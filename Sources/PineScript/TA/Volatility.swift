/// `ta.tr(handle_na)` (true range): `max(high - low, |high - close[1]|, |low - close[1]|)`.
/// On the first bar (no previous close) it is `high - low` when `handleNA` is true, na otherwise.
/// The bare variable `ta.tr` is `ta.tr(false)`.
struct TATR {
    let handleNA: Bool
    private var prevClose = Double.nan
    init(handleNA: Bool = false) { self.handleNA = handleNA }
    mutating func update(high: Double, low: Double, close: Double) -> Double {
        let value: Double
        if prevClose.isNaN {
            value = handleNA ? high - low : .nan
        } else {
            value = Swift.max(high - low, Swift.max(abs(high - prevClose), abs(low - prevClose)))
        }
        prevClose = close
        return value
    }
}

/// `ta.atr(length)` = `ta.rma(ta.tr(true), length)`.
struct TAATR {
    private var tr = TATR(handleNA: true)
    private var rma: TARMA
    init(length: Int) { rma = TARMA(length: length) }
    mutating func update(high: Double, low: Double, close: Double) -> Double {
        rma.update(tr.update(high: high, low: low, close: close))
    }
}

/// `ta.variance(source, length, biased)`: with `p = math.sum(source, length)`,
/// `q = math.sum(source * source, length)`, `m = p / length`:
/// biased (default) `max(0, q / length - m * m)`, unbiased `max(0, q / (length - 1) - p * m / (length - 1))`
/// (na for length 1). Window = last `length` non-na values (as `ta.sma`).
struct TAVariance {
    let length: Int
    let biased: Bool
    private var p: TARollingSum
    private var q: TARollingSum
    init(length: Int, biased: Bool = true) {
        self.length = Swift.max(1, length)
        self.biased = biased
        p = TARollingSum(length: self.length)
        q = TARollingSum(length: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        let s = p.update(source)
        let s2 = q.update(source * source)
        if s.isNaN || s2.isNaN { return .nan }
        if !biased && length == 1 { return .nan }
        let n = Double(length)
        let m = s / n
        let v = biased ? s2 / n - m * m : s2 / (n - 1) - s * m / (n - 1)
        return Swift.max(0, v)
    }
}

/// `ta.stdev(source, length, biased)` = `sqrt(ta.variance(source, length, biased))` (population
/// standard deviation by default).
struct TAStdev {
    private var variance: TAVariance
    init(length: Int, biased: Bool = true) { variance = TAVariance(length: length, biased: biased) }
    mutating func update(_ source: Double) -> Double { variance.update(source).squareRoot() }
}

/// `ta.bb(source, length, mult)` → `(middle, upper, lower)`: `middle = sma(source, length)`,
/// `upper/lower = middle ± mult * stdev(source, length)`; all na while the SMA is na.
struct TABB {
    let multiplier: Double
    private var sma: TASMA
    private var stdev: TAStdev
    init(length: Int, multiplier: Double) {
        self.multiplier = multiplier
        sma = TASMA(length: length)
        stdev = TAStdev(length: length)
    }
    mutating func update(_ source: Double) -> (middle: Double, upper: Double, lower: Double) {
        let sd = stdev.update(source) * multiplier
        let m = sma.update(source)
        if m.isNaN { return (.nan, .nan, .nan) }
        return (m, m + sd, m - sd)
    }
}

/// `ta.bbw(source, length, mult)` = `100 * (upper - lower) / middle` of `ta.bb`; na when the middle
/// is na or 0.
struct TABBW {
    private var bb: TABB
    init(length: Int, multiplier: Double) { bb = TABB(length: length, multiplier: multiplier) }
    mutating func update(_ source: Double) -> Double {
        let (m, u, l) = bb.update(source)
        if m.isNaN || m == 0 { return .nan }
        return ((u - l) / m) * 100
    }
}

/// `ta.kc(source, length, mult, useTrueRange = true)` → `(middle, upper, lower)`:
/// `middle = ema(source, length)`, `span = useTrueRange ? ta.tr : high - low` (`ta.tr` is na on the
/// first bar and skipped by the EMA), `upper/lower = middle ± mult * ema(span, length)`.
struct TAKC {
    let multiplier: Double
    let useTrueRange: Bool
    private var basis: TAEMA
    private var range: TAEMA
    private var tr = TATR(handleNA: false)
    init(length: Int, multiplier: Double, useTrueRange: Bool = true) {
        self.multiplier = multiplier
        self.useTrueRange = useTrueRange
        basis = TAEMA(length: length)
        range = TAEMA(length: length)
    }
    mutating func update(_ source: Double, high: Double, low: Double, close: Double)
        -> (middle: Double, upper: Double, lower: Double) {
        let b = basis.update(source)
        let t = tr.update(high: high, low: low, close: close)
        let r = range.update(useTrueRange ? t : high - low)
        if b.isNaN { return (.nan, .nan, .nan) }
        if r.isNaN { return (b, .nan, .nan) }
        return (b, b + r * multiplier, b - r * multiplier)
    }
}

/// `ta.kcw(source, length, mult, useTrueRange = true)` = `(upper - lower) / middle` of `ta.kc`
/// (a ratio, not ×100); na when the middle is na or 0.
struct TAKCW {
    private var kc: TAKC
    init(length: Int, multiplier: Double, useTrueRange: Bool = true) {
        kc = TAKC(length: length, multiplier: multiplier, useTrueRange: useTrueRange)
    }
    mutating func update(_ source: Double, high: Double, low: Double, close: Double) -> Double {
        let (m, u, l) = kc.update(source, high: high, low: low, close: close)
        if m.isNaN || m == 0 { return .nan }
        return (u - l) / m
    }
}

/// `ta.supertrend(factor, atrPeriod)` → `(supertrend, direction)`, exactly the reference manual's
/// `pine_supertrend`: bands `hl2 ± factor * atr(atrPeriod)`, each ratcheted against its previous
/// value (`nz`'d) unless the previous close broke it; direction 1 (down trend, line = upper band)
/// or -1 (up trend, line = lower band); direction is 1 while `atr[1]` is na. Consequence of the
/// `nz` rule: the line is 0 on the very first bar and na for the rest of the ATR warm-up.
struct TASupertrend {
    let factor: Double
    private var atr: TAATR
    private var prevLower = Double.nan
    private var prevUpper = Double.nan
    private var prevClose = Double.nan
    private var prevSuperTrend = Double.nan
    private var prevATR = Double.nan
    init(factor: Double, atrPeriod: Int) {
        self.factor = factor
        atr = TAATR(length: atrPeriod)
    }
    mutating func update(high: Double, low: Double, close: Double) -> (supertrend: Double, direction: Double) {
        let src = (high + low) / 2
        let a = atr.update(high: high, low: low, close: close)
        var upper = src + factor * a
        var lower = src - factor * a
        let pl = prevLower.isNaN ? 0 : prevLower
        let pu = prevUpper.isNaN ? 0 : prevUpper
        lower = (lower > pl || prevClose < pl) ? lower : pl
        upper = (upper < pu || prevClose > pu) ? upper : pu
        let direction: Double
        if prevATR.isNaN {
            direction = 1
        } else if prevSuperTrend == pu {
            direction = close > upper ? -1 : 1
        } else {
            direction = close < lower ? 1 : -1
        }
        let st = direction == -1 ? lower : upper
        prevLower = lower
        prevUpper = upper
        prevClose = close
        prevSuperTrend = st
        prevATR = a
        return (st, direction)
    }
}

/// `ta.sar(start, inc, max)` (parabolic SAR), exactly the reference manual's `pine_sar`: na on the
/// first bar; on the second bar the trend starts long when `close > close[1]` (SAR = `low[1]`,
/// extreme = high) else short (SAR = `high[1]`, extreme = low); each bar
/// `sar += af * (extreme - sar)`, reversal when price crosses it (SAR = the old extreme, af reset),
/// af grows by `inc` up to `max` on each new extreme, and the SAR is clamped by the previous two
/// bars' lows (long) / highs (short).
struct TASAR {
    let start: Double
    let increment: Double
    let maximum: Double
    private var result = Double.nan
    private var maxMin = Double.nan
    private var acceleration = Double.nan
    private var isBelow = false
    private var bar = -1
    private var highs = TARing(capacity: 3)
    private var lows = TARing(capacity: 3)
    private var closes = TARing(capacity: 2)
    init(start: Double = 0.02, increment: Double = 0.02, maximum: Double = 0.2) {
        self.start = start
        self.increment = increment
        self.maximum = maximum
    }
    mutating func update(high: Double, low: Double, close: Double) -> Double {
        bar += 1
        highs.push(high)
        lows.push(low)
        closes.push(close)
        var isFirstTrendBar = false
        if bar == 1 {
            if close > closes[1] {
                isBelow = true
                maxMin = high
                result = lows[1]
            } else {
                isBelow = false
                maxMin = low
                result = highs[1]
            }
            isFirstTrendBar = true
            acceleration = start
        }
        result = result + acceleration * (maxMin - result)
        if isBelow {
            if result > low {
                isFirstTrendBar = true
                isBelow = false
                result = pineMax(high, maxMin)
                maxMin = low
                acceleration = start
            }
        } else {
            if result < high {
                isFirstTrendBar = true
                isBelow = true
                result = pineMin(low, maxMin)
                maxMin = high
                acceleration = start
            }
        }
        if !isFirstTrendBar {
            if isBelow {
                if high > maxMin {
                    maxMin = high
                    acceleration = Swift.min(acceleration + increment, maximum)
                }
            } else {
                if low < maxMin {
                    maxMin = low
                    acceleration = Swift.min(acceleration + increment, maximum)
                }
            }
        }
        if isBelow {
            result = pineMin(result, lows[1])
            if bar > 1 { result = pineMin(result, lows[2]) }
        } else {
            result = pineMax(result, highs[1])
            if bar > 1 { result = pineMax(result, highs[2]) }
        }
        return result
    }
}

/// `math.max`/`math.min` with Pine's na rule: na if either argument is na.
@inline(__always) func pineMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
@inline(__always) func pineMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
