/// Extreme of the last `length` bars (current bar included) with its offset. na values are ignored;
/// the result is na while fewer than `length` bars have been seen or when the whole window is na.
/// Ties: the oldest bar of the tie wins (`newestWins == false`, `ta.highest`/`ta.highestbars`) or the
/// newest (`newestWins == true`, used by the pivots). A monotonic deque: O(1) amortized per bar.
struct TAWindowExtreme {
    let length: Int
    let isMax: Bool
    let newestWins: Bool
    private var indices: ContiguousArray<Int>
    private var values: ContiguousArray<Double>
    private var head = 0
    private var count = 0
    private var bars = 0
    init(length: Int, isMax: Bool, newestWins: Bool = false) {
        self.length = Swift.max(1, length)
        self.isMax = isMax
        self.newestWins = newestWins
        indices = ContiguousArray(repeating: 0, count: self.length)
        values = ContiguousArray(repeating: .nan, count: self.length)
    }
    @inline(__always) private func slot(_ k: Int) -> Int {
        let j = head + k
        return j >= length ? j - length : j
    }
    /// Returns the extreme value and its offset (0 = this bar, positive = bars back).
    mutating func update(_ source: Double) -> (value: Double, offset: Int) {
        let i = bars
        bars += 1
        while count > 0 && indices[head] <= i - length {
            head = head + 1 == length ? 0 : head + 1
            count -= 1
        }
        if !source.isNaN {
            while count > 0 {
                let back = values[slot(count - 1)]
                let dominated = isMax ? (back < source || (newestWins && back == source))
                                      : (back > source || (newestWins && back == source))
                if !dominated { break }
                count -= 1
            }
            let at = slot(count)
            indices[at] = i
            values[at] = source
            count += 1
        }
        if bars < length || count == 0 { return (.nan, -1) }
        return (values[head], i - indices[head])
    }
}

/// `ta.highest(source, length)` (and `ta.highest(length)` with `source = high`): the highest value
/// of the last `length` bars, current bar included; na during the first `length - 1` bars.
struct TAHighest {
    private var ext: TAWindowExtreme
    init(length: Int) { ext = TAWindowExtreme(length: length, isMax: true) }
    mutating func update(_ source: Double) -> Double { ext.update(source).value }
}

/// `ta.lowest(source, length)` (and `ta.lowest(length)` with `source = low`).
struct TALowest {
    private var ext: TAWindowExtreme
    init(length: Int) { ext = TAWindowExtreme(length: length, isMax: false) }
    mutating func update(_ source: Double) -> Double { ext.update(source).value }
}

/// `ta.highestbars(source, length)` (and `ta.highestbars(length)` on `high`): offset of the highest
/// value of the last `length` bars as a non-positive number (0 = this bar); ties resolve to the
/// oldest bar; na during warm-up.
struct TAHighestBars {
    private var ext: TAWindowExtreme
    init(length: Int) { ext = TAWindowExtreme(length: length, isMax: true) }
    mutating func update(_ source: Double) -> Double {
        let (v, at) = ext.update(source)
        return v.isNaN ? .nan : -Double(at)
    }
}

/// `ta.lowestbars(source, length)` (and `ta.lowestbars(length)` on `low`); see `TAHighestBars`.
struct TALowestBars {
    private var ext: TAWindowExtreme
    init(length: Int) { ext = TAWindowExtreme(length: length, isMax: false) }
    mutating func update(_ source: Double) -> Double {
        let (v, at) = ext.update(source)
        return v.isNaN ? .nan : -Double(at)
    }
}

/// `ta.range(source, length)` = `ta.highest(source, length) - ta.lowest(source, length)`; na when
/// the source is na.
struct TARange {
    private var hi: TAHighest
    private var lo: TALowest
    init(length: Int) {
        hi = TAHighest(length: length)
        lo = TALowest(length: length)
    }
    mutating func update(_ source: Double) -> Double {
        let h = hi.update(source)
        let l = lo.update(source)
        if source.isNaN { return .nan }
        return h - l
    }
}

/// `ta.pivothigh(source, leftbars, rightbars)` / `ta.pivotlow(…)` (and the two-argument forms on
/// `high` / `low`): the value `rightbars` bars back when it is the highest (lowest) of the
/// `leftbars + 1 + rightbars` bar window — strictly beyond the `rightbars` newer bars, at least as
/// far as the `leftbars` older ones — reported on the bar `rightbars` after the pivot; na otherwise
/// (and when the current source is na).
struct TAPivot {
    let rightBars: Int
    private var ext: TAWindowExtreme
    init(leftBars: Int, rightBars: Int, isHigh: Bool) {
        self.rightBars = Swift.max(0, rightBars)
        ext = TAWindowExtreme(length: Swift.max(0, leftBars) + self.rightBars + 1, isMax: isHigh, newestWins: true)
    }
    mutating func update(_ source: Double) -> Double {
        let (v, at) = ext.update(source)
        if source.isNaN || v.isNaN || at != rightBars { return .nan }
        return v
    }
}

/// `ta.max(source)`: the all-time highest value so far (na values ignored; na until the first
/// non-na value).
struct TAMax {
    private var best = Double.nan
    init() {}
    mutating func update(_ source: Double) -> Double {
        if best.isNaN || source > best { best = source }
        return best
    }
}

/// `ta.min(source)`: the all-time lowest value so far.
struct TAMin {
    private var best = Double.nan
    init() {}
    mutating func update(_ source: Double) -> Double {
        if best.isNaN || source < best { best = source }
        return best
    }
}

/// `ta.cum(source)`: running sum of the non-na values; an na source yields na (the sum is kept).
struct TACum {
    private var sum = 0.0
    init() {}
    mutating func update(_ source: Double) -> Double {
        if source.isNaN { return .nan }
        sum += source
        return sum
    }
}

/// `ta.median(source, length)`: median of the last `length` non-na values (mean of the two middle
/// values for even lengths); na while fewer than `length` values, and on an na bar.
struct TAMedian {
    let length: Int
    private var window: TASortedWindow
    init(length: Int) {
        self.length = Swift.max(1, length)
        window = TASortedWindow(capacity: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        if source.isNaN { return .nan }
        window.push(source)
        if !window.isFull { return .nan }
        if length % 2 == 1 { return window.sortedValue(length / 2) }
        return (window.sortedValue(length / 2 - 1) + window.sortedValue(length / 2)) / 2
    }
}

/// `ta.mode(source, length)`: the most frequent value of the last `length` bars (na values ignored);
/// among equally frequent values the smallest. na during the first `length - 1` bars, on an na bar,
/// or when the whole window is na.
struct TAMode {
    let length: Int
    private var window: TASortedWindow
    init(length: Int) {
        self.length = Swift.max(1, length)
        window = TASortedWindow(capacity: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        if source.isNaN || !window.isFull || window.sortedCount == 0 { return .nan }
        var mode = window.sortedValue(0)
        var current = mode
        var best = 1, run = 1
        var i = 1
        while i < window.sortedCount {
            let v = window.sortedValue(i)
            if v == current {
                run += 1
                if run > best { best = run; mode = current }
            } else {
                current = v
                run = 1
            }
            i += 1
        }
        return mode
    }
}

/// `ta.percentrank(source, length)`: percentage of the previous `length` values that are less than
/// or equal to the current one (tolerant, 1e-10): `100 * count / length`. na during the first
/// `length` bars and when the source is na; na values in the window never count.
struct TAPercentRank {
    let length: Int
    private var window: TARing
    init(length: Int) {
        self.length = Swift.max(1, length)
        window = TARing(capacity: self.length + 1)
    }
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        if source.isNaN || !window.isFull { return .nan }
        var count = 0
        for i in 1...length {
            let x = window[i]
            if !x.isNaN && (x <= source || x - source <= taEpsilon) { count += 1 }
        }
        return Double(count) * 100 / Double(length)
    }
}

/// `ta.percentile_nearest_rank(source, length, percentage)`: over the last `length` bars sorted
/// ascending (na values sort last and count in `length`), the value at rank
/// `ceil(percentage * length / 100)` clamped to 1…length (percentage 0 → the smallest); na when the
/// rank falls on an na, during the first `length - 1` bars, and on an na bar.
struct TAPercentileNearestRank {
    let length: Int
    let percentage: Double
    private var window: TASortedWindow
    init(length: Int, percentage: Double) {
        self.length = Swift.max(1, length)
        self.percentage = percentage.isNaN ? 0 : percentage
        window = TASortedWindow(capacity: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        if source.isNaN || !window.isFull { return .nan }
        let m = window.sortedCount
        if percentage == 0 { return m > 0 ? window.sortedValue(0) : .nan }
        var rank = Int((percentage * Double(length) / 100).rounded(.up))
        rank = Swift.max(1, Swift.min(rank, length))
        return rank <= m ? window.sortedValue(rank - 1) : .nan
    }
}

/// `ta.percentile_linear_interpolation(source, length, percentage)`: over the last `length` bars
/// sorted ascending (na values sort last), the value at the 1-based position
/// `pos = length * percentage / 100 + 0.5`, interpolated `v[lo] * (1 - f) + v[lo + 1] * f`
/// between its neighbouring ranks and clamped to the first/last value. With na values in the window
/// only an integral position on a non-na value (or the low clamp) yields a value. na during the
/// first `length - 1` bars and on an na bar.
struct TAPercentileLinearInterpolation {
    let length: Int
    let percentage: Double
    private var window: TASortedWindow
    init(length: Int, percentage: Double) {
        self.length = Swift.max(1, length)
        self.percentage = percentage
        window = TASortedWindow(capacity: self.length)
    }
    mutating func update(_ source: Double) -> Double {
        window.push(source)
        if source.isNaN || !window.isFull || percentage.isNaN { return .nan }
        let n = length
        let m = window.sortedCount
        var pos = Double(n) * percentage / 100.0 + 0.5
        let nearest = pos.rounded()
        if abs(pos - nearest) < 1e-9 { pos = nearest }
        if pos <= 1 { return m > 0 ? window.sortedValue(0) : .nan }
        if pos >= Double(n) { return m == n ? window.sortedValue(m - 1) : .nan }
        let lower = Int(pos.rounded(.down))
        let frac = pos - Double(lower)
        if frac == 0 { return lower <= m ? window.sortedValue(lower - 1) : .nan }
        if m < n { return .nan }
        return window.sortedValue(lower - 1) * (1 - frac) + window.sortedValue(lower) * frac
    }
}

/// `ta.linreg(source, length, offset)`: least-squares line through the last `length` non-na values
/// (x = 1…length from the oldest), evaluated at `x = length - offset`:
/// `slope = (n Σxy - Σx Σy) / (n Σx² - (Σx)²)`, `intercept = Σy/n - slope Σx/n + slope`,
/// `linreg = intercept + slope * (length - 1 - offset)`. An na source returns the last value
/// (na while warming up) without advancing; `length == 1` returns the source.
struct TALinReg {
    let length: Int
    let offset: Int
    private var window: TARing
    private var last = Double.nan
    private let sumX: Double
    private let denominator: Double
    init(length: Int, offset: Int = 0) {
        self.length = Swift.max(1, length)
        self.offset = offset
        window = TARing(capacity: self.length)
        var sx = 0.0, sx2 = 0.0
        for i in 1...self.length {
            let x = Double(i)
            sx += x
            sx2 += x * x
        }
        sumX = sx
        denominator = Double(self.length) * sx2 - sx * sx
    }
    mutating func update(_ source: Double) -> Double {
        if length == 1 { return source }
        if source.isNaN { return last }
        window.push(source)
        if !window.isFull { return .nan }
        var sy = 0.0, sxy = 0.0, x = 0.0
        var i = length - 1
        while i >= 0 {
            let y = window[i]
            x += 1
            sy += y
            sxy += y * x
            i -= 1
        }
        let n = Double(length)
        let slope = (n * sxy - sumX * sy) / denominator
        let intercept = sy / n - slope * sumX / n + slope
        last = intercept + slope * Double(length - 1 - offset)
        return last
    }
}

/// `ta.correlation(source1, source2, length)` (Pearson): rolling sums (each over its own last
/// `length` non-na values) of x, y, xy, x², y²; `cov = Σxy/n - mx my`; `|cov| <= 1e-10` gives 0;
/// `corr = cov / sqrt(max(0, Σx²/n - mx²) * max(0, Σy²/n - my²))`, na when that product is 0 or any
/// sum is na.
struct TACorrelation {
    let length: Int
    private var sx, sy, sxy, sx2, sy2: TARollingSum
    init(length: Int) {
        self.length = Swift.max(1, length)
        sx = TARollingSum(length: self.length)
        sy = TARollingSum(length: self.length)
        sxy = TARollingSum(length: self.length)
        sx2 = TARollingSum(length: self.length)
        sy2 = TARollingSum(length: self.length)
    }
    mutating func update(_ x: Double, _ y: Double) -> Double {
        let a = sx.update(x), b = sy.update(y), ab = sxy.update(x * y)
        let a2 = sx2.update(x * x), b2 = sy2.update(y * y)
        if a.isNaN || b.isNaN || ab.isNaN || a2.isNaN || b2.isNaN { return .nan }
        let n = Double(length)
        let mx = a / n, my = b / n
        let cov = ab / n - mx * my
        if cov >= -taEpsilon && cov <= taEpsilon { return 0 }
        let vp = Swift.max(0, a2 / n - mx * mx) * Swift.max(0, b2 / n - my * my)
        if vp == 0 { return .nan }
        return cov / vp.squareRoot()
    }
}
