// Shared machinery of the `ta.*` library: fixed-capacity ring buffers and Pine's rolling sum.
//
// Conventions for every `TA…` struct in this folder:
// - one struct per Pine call site, `update` called exactly once per bar, in bar order;
// - `na` is `Double.nan`; Bool results are never na (v6 semantics);
// - all storage is allocated in `init`; `update` does not allocate.

/// Pine's comparison tolerance (`==`, `<`, … on floats compare within 1e-10 in TradingView). Used
/// only where TradingView's built-ins are known to compare tolerantly (rising/falling, cmo, mfi,
/// dmi, correlation, percentrank).
let taEpsilon = 1e-10

/// A fixed-capacity history: `self[0]` is the newest value, `self[count - 1]` the oldest. Pushing
/// into a full ring drops the oldest value. Indexes at or beyond `count` read as `na`.
struct TARing {
    private var storage: ContiguousArray<Double>
    private var head = 0
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) {
        let capacity = Swift.max(1, capacity)
        self.capacity = capacity
        storage = ContiguousArray(repeating: .nan, count: capacity)
    }

    var isFull: Bool { count == capacity }

    /// Appends `value`; returns the value that fell out (na when the ring was not full).
    @discardableResult
    mutating func push(_ value: Double) -> Double {
        let evicted = count == capacity ? storage[head] : Double.nan
        storage[head] = value
        head += 1
        if head == capacity { head = 0 }
        if count < capacity { count += 1 }
        return evicted
    }

    /// `i` bars back (0 = newest).
    subscript(i: Int) -> Double {
        guard i >= 0, i < count else { return .nan }
        var j = head - 1 - i
        if j < 0 { j += capacity }
        return storage[j]
    }
}

/// `math.sum(source, length)` as TradingView computes it: the window is the last `length` **non-na**
/// values (na bars are not stored); an na bar reports the standing sum (na while warming up).
/// The sum is a rolling compensated (Kahan) sum: while the window fills each value is a plain
/// compensated add; afterwards one fused step evicts the entry stored for the oldest value and adds
/// the new one, storing the compensated addend for its own later eviction. (This follows the
/// published reconstruction of TradingView's accumulator; against the ta exports it agrees to
/// within 2e-15 relative.) Also usable as `math.sum(source, length)`.
struct TARollingSum {
    let length: Int
    private var entries: TARing
    private var sum = 0.0
    private var compensation = 0.0

    init(length: Int) {
        self.length = Swift.max(1, length)
        entries = TARing(capacity: self.length)
    }

    var isWarm: Bool { entries.isFull }

    mutating func update(_ x: Double) -> Double {
        if x.isNaN { return entries.isFull ? sum : .nan }
        if entries.isFull {
            let d0 = entries[length - 1]
            let y1 = -d0 - compensation
            let t = sum + y1
            let e1 = (t - sum) - y1
            let y2 = x - e1
            let s = t + y2
            compensation = (s - t) - y2
            sum = s
            entries.push(y2)
        } else {
            let y = x - compensation
            let s = sum + y
            compensation = (s - sum) - y
            sum = s
            entries.push(y)
        }
        return entries.isFull ? sum : .nan
    }
}

/// A window of the last `capacity` pushed values (na included, in arrival order) plus the ascending
/// sorted list of its non-na values, maintained incrementally (O(capacity) per push, no allocation).
struct TASortedWindow {
    private(set) var raw: TARing
    private var sorted: ContiguousArray<Double>
    private(set) var sortedCount = 0

    init(capacity: Int) {
        raw = TARing(capacity: capacity)
        sorted = ContiguousArray(repeating: .nan, count: Swift.max(1, capacity))
    }

    var capacity: Int { raw.capacity }
    var count: Int { raw.count }
    var isFull: Bool { raw.isFull }

    /// `i`-th smallest non-na value (0-based).
    func sortedValue(_ i: Int) -> Double { i >= 0 && i < sortedCount ? sorted[i] : .nan }

    private func lowerBound(_ v: Double) -> Int {
        var lo = 0, hi = sortedCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if sorted[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func push(_ v: Double) {
        let old = raw.push(v)
        if !old.isNaN {
            var i = lowerBound(old)
            if i >= sortedCount { i = sortedCount - 1 }
            while i < sortedCount - 1 {
                sorted[i] = sorted[i + 1]
                i += 1
            }
            sortedCount -= 1
        }
        if !v.isNaN {
            let at = lowerBound(v)
            var i = sortedCount
            while i > at {
                sorted[i] = sorted[i - 1]
                i -= 1
            }
            sorted[at] = v
            sortedCount += 1
        }
    }
}

/// `source[length]`-style history of a series: keeps the last `depth + 1` values of every bar.
struct TAHistory {
    private var ring: TARing
    init(depth: Int) { ring = TARing(capacity: Swift.max(1, depth) + 1) }
    mutating func push(_ v: Double) { ring.push(v) }
    subscript(i: Int) -> Double { ring[i] }
}
