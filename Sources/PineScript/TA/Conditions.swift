/// `ta.crossover(a, b)`: true when `a > b` on this bar and `a <= b` on the last bar where both
/// were non-na (na bars do not reset that relation). Never na: false on the first bar and whenever
/// an input is na.
struct TACrossover {
    private var wasAtOrBelow = false
    init() {}
    mutating func update(_ a: Double, _ b: Double) -> Bool {
        let result = a > b && wasAtOrBelow
        if !a.isNaN && !b.isNaN { wasAtOrBelow = a <= b }
        return result
    }
}

/// `ta.crossunder(a, b)`: true when `a < b` on this bar and `a >= b` on the last bar where both
/// were non-na. Never na.
struct TACrossunder {
    private var wasAtOrAbove = false
    init() {}
    mutating func update(_ a: Double, _ b: Double) -> Bool {
        let result = a < b && wasAtOrAbove
        if !a.isNaN && !b.isNaN { wasAtOrAbove = a >= b }
        return result
    }
}

/// `ta.cross(a, b)` = `crossover(a, b) or crossunder(a, b)` (both halves always advance).
struct TACross {
    private var over = TACrossover()
    private var under = TACrossunder()
    init() {}
    mutating func update(_ a: Double, _ b: Double) -> Bool {
        let o = over.update(a, b)
        let u = under.update(a, b)
        return o || u
    }
}

/// `ta.rising(source, length)` / `ta.falling(source, length)`: true when the source rose (fell) by
/// more than Pine's 1e-10 tolerance on each of the last `length` bars, i.e.
/// `source > source[1] > … > source[length]`. Never na: false on the first bar; a step involving na
/// breaks the run.
struct TAMonotoneRun {
    let length: Int
    let rising: Bool
    private var last = Double.nan
    private var run = 0
    private var started = false
    init(length: Int, rising: Bool) {
        self.length = Swift.max(1, length)
        self.rising = rising
    }
    mutating func update(_ source: Double) -> Bool {
        if !started || last.isNaN {
            started = true
            last = source
            return false
        }
        if (rising ? source - last : last - source) > taEpsilon { run += 1 } else { run = 0 }
        last = source
        return run >= length
    }
}

/// `ta.barssince(condition)`: bars since the condition was last true (0 on a true bar); na until it
/// has been true once.
struct TABarssince {
    private var counter = -1
    init() {}
    mutating func update(_ condition: Bool) -> Double {
        if condition {
            counter = 0
        } else if counter >= 0 {
            counter += 1
        }
        return counter < 0 ? .nan : Double(counter)
    }
}

/// `ta.valuewhen(condition, source, occurrence)`: the source value on the `occurrence`-th most
/// recent bar where the condition was true (0 = the latest, this bar included). The value is
/// recorded as it was on that bar, na included (an na recorded value still uses up an occurrence);
/// na until the condition has been true `occurrence + 1` times.
struct TAValuewhen {
    let occurrence: Int
    private var values: TARing
    init(occurrence: Int) {
        self.occurrence = Swift.max(0, occurrence)
        values = TARing(capacity: self.occurrence + 1)
    }
    mutating func update(_ condition: Bool, _ source: Double) -> Double {
        if condition { values.push(source) }
        return values.isFull ? values[occurrence] : .nan
    }
}
