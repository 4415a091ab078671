#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `ta.sma(source, length)` = `math.sum(source, length) / length`.
/// Window: the last `length` non-na values (na bars are skipped, not stored). na until `length`
/// non-na values were seen; an na bar after warm-up reports the standing average (TradingView's
/// `math.sum` echoes its standing sum on an na bar).
struct TASMA {
    let length: Int
    private var sum: TARollingSum
    init(length: Int) {
        self.length = Swift.max(1, length)
        sum = TARollingSum(length: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        sum.update(source) / Double(length)
    }
}

/// `ta.ema(source, length)`: alpha = 2 / (length + 1), step `prev + alpha * (source - prev)`,
/// seeded with the SMA of the first `length` non-na values (so na for the first `length - 1`).
/// An na source yields na and does not advance the state. `length == 1` returns the source.
struct TAEMA {
    let length: Int
    private let alpha: Double
    private var seed: TASMA
    private var last = Double.nan
    init(length: Int) {
        self.length = Swift.max(1, length)
        alpha = 2.0 / Double(self.length + 1)
        seed = TASMA(length: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        if length == 1 { return source }
        if source.isNaN { return .nan }
        if last.isNaN {
            last = seed.update(source)
            return last
        }
        last = last + alpha * (source - last)
        return last
    }
}

/// `ta.rma(source, length)` (Wilder's smoothing, alpha = 1/length): step
/// `(prev * (length - 1) + source) / length`, seeded with the SMA of the first `length` non-na
/// values. na handling as `TAEMA`. `length == 1` returns the source.
struct TARMA {
    let length: Int
    private var seed: TASMA
    private var last = Double.nan
    init(length: Int) {
        self.length = Swift.max(1, length)
        seed = TASMA(length: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        if length == 1 { return source }
        if source.isNaN { return .nan }
        if last.isNaN {
            last = seed.update(source)
            return last
        }
        last = (last * Double(length - 1) + source) / Double(length)
        return last
    }
}

/// `ta.wma(source, length)`: `sum(source[i] * (length - i)) / sum(1...length)`, summed oldest
/// first over a forward-filled window (an na bar repeats the last non-na value in the window, so
/// the window spans the last `length` bars). An na source yields na; na until `length` non-na
/// values were seen.
struct TAWMA {
    let length: Int
    private var window: TARing
    private var seen = 0
    private var last = Double.nan
    private let norm: Double
    init(length: Int) {
        self.length = Swift.max(1, length)
        window = TARing(capacity: self.length)
        var n = 0.0
        for i in 1...self.length { n += Double(i) }
        norm = n
    }
    mutating func update(_ source: Double) -> Double {
        if !source.isNaN {
            seen += 1
            last = source
        }
        window.push(last)
        if source.isNaN || seen < length { return .nan }
        var sum = 0.0
        var weight = 0.0
        var i = length - 1
        while i >= 0 {
            weight += 1
            sum += window[i] * weight
            i -= 1
        }
        return sum / norm
    }
}

/// `ta.vwma(source, length)` = `sma(source * volume, length) / sma(volume, length)`.
struct TAVWMA {
    private var pv: TASMA
    private var v: TASMA
    init(length: Int) {
        pv = TASMA(length: length)
        v = TASMA(length: length)
    }
    mutating func update(_ source: Double, volume: Double) -> Double {
        let a = pv.update(source * volume)
        let b = v.update(volume)
        return a / b
    }
}

/// `ta.hma(source, length)` = `wma(2 * wma(source, length / 2) - wma(source, length), floor(sqrt(length)))`.
/// An na source yields na and is not fed to the inner averages; the outer average only sees bars
/// where both inner averages exist.
struct TAHMA {
    private var half: TAWMA
    private var full: TAWMA
    private var outer: TAWMA
    init(length: Int) {
        let length = Swift.max(1, length)
        half = TAWMA(length: Swift.max(1, length / 2))
        full = TAWMA(length: length)
        outer = TAWMA(length: Swift.max(1, Int(Double(length).squareRoot())))
    }
    mutating func update(_ source: Double) -> Double {
        if source.isNaN { return .nan }
        let a = half.update(source)
        let b = full.update(source)
        if a.isNaN || b.isNaN { return .nan }
        return outer.update(2 * a - b)
    }
}

/// `ta.alma(series, length, offset, sigma, floor)`: Gaussian weights
/// `w(j) = exp(-(j - m)^2 / (2 s^2))`, `m = offset * (length - 1)` (floored when `floor`),
/// `s = length / sigma`, `j = 0` the oldest bar; result `sum(w * x) / sum(w)`.
/// na when the source is na or any bar of the window is na (including warm-up).
struct TAALMA {
    let length: Int
    private var window: TARing
    private var weights: ContiguousArray<Double>  // weights[i] applies to window[i] (0 = newest)
    private let norm: Double
    init(length: Int, offset: Double = 0.85, sigma: Double = 6, floor: Bool = false) {
        let length = Swift.max(1, length)
        self.length = length
        window = TARing(capacity: length)
        var m = offset * Double(length - 1)
        if floor { m = m.rounded(.down) }
        let s = Double(length) / sigma
        var w = ContiguousArray<Double>(repeating: 0, count: length)
        var n = 0.0
        for j in 0..<length {
            let d = Double(j) - m
            let wj = exp(-1 * (d * d) / (2 * s * s))
            w[length - 1 - j] = wj
        }
        for i in 0..<length { n += w[i] }
        weights = w
        norm = n
    }
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        if source.isNaN || !window.isFull { return .nan }
        var sum = 0.0
        for i in 0..<length { sum += weights[i] * window[i] }
        return sum / norm
    }
}

/// `ta.swma(source)`: `(x + 2 x[1] + 2 x[2] + x[3]) / 6` over the raw bar history; na while any of
/// the four bars is na.
struct TASWMA {
    private var window = TARing(capacity: 4)
    init() {}
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        if source.isNaN { return .nan }
        return (window[0] + 2 * window[1] + 2 * window[2] + window[3]) / 6
    }
}
