/// Mean and sum of squared deviations (M2) of the last `period` values, for
/// `StandardDeviation` and `BollingerBands`.
///
/// Numerics: while the window slides, mean and M2 are updated in O(1) with the sliding form of
/// Welford's update (`M2 += (x − old)·((x − mean′) + (old − mean))`), which never subtracts two
/// large sums of squares. Rounding error is removed by an exact two-pass recomputation from the
/// ring buffer (a) every `period` updates — amortised O(1) — and (b) earlier whenever a running
/// bound on the accumulated M2 error exceeds 1e-10 of M2, which only happens when the window's
/// spread is tiny compared with its level (e.g. it just went flat). A window whose values do not
/// change keeps an exact M2 of zero without recomputation.
@usableFromInline
struct IndicatorWindowMoments: Sendable {
    @usableFromInline var window: IndicatorRingBuffer
    @usableFromInline var mean: Double = .nan
    @usableFromInline var m2: Double = .nan
    /// Sliding updates since the last exact recomputation.
    @usableFromInline var updatesSinceRecompute: Int = 0
    /// Upper estimate of the absolute error accumulated in `m2` since the last recomputation.
    @usableFromInline var m2ErrorBound: Double = 0

    @usableFromInline
    init(period: Int) {
        window = IndicatorRingBuffer(capacity: period)
    }

    @inlinable var period: Int { window.capacity }
    @inlinable var isReady: Bool { window.isFull }

    /// Population variance (M2 / N); NaN before ready.
    @inlinable var variance: Double { m2 / Double(window.capacity) }

    @inlinable
    mutating func update(_ x: Double) {
        guard window.isFull else {
            window.append(x)
            if window.isFull { recompute() }
            return
        }
        let old = window.replaceOldest(with: x)
        updatesSinceRecompute &+= 1
        if updatesSinceRecompute >= window.capacity {
            recompute()
            return
        }
        let change = x - old
        if change == 0 { return }  // the window's multiset is unchanged
        let oldMean = mean
        mean += change / Double(window.capacity)
        m2 += change * ((x - mean) + (old - oldMean))
        if m2 < 0 { m2 = 0 }
        m2ErrorBound += change.magnitude
            * (x.magnitude + old.magnitude + 4 * mean.magnitude * Double(updatesSinceRecompute &+ 1))
            * Double.ulpOfOne
        if m2ErrorBound > 1e-10 * m2 { recompute() }
    }

    /// Exact two-pass mean and M2 from the buffer.
    @inlinable
    mutating func recompute() {
        let n = window.count
        var sum = 0.0
        var lowest = window[0]
        var highest = lowest
        for i in 0..<n {
            let x = window[i]
            sum += x
            lowest = min(lowest, x)
            highest = max(highest, x)
        }
        updatesSinceRecompute = 0
        m2ErrorBound = 0
        if lowest == highest {  // flat window: exact, whatever the rounding of sum / n
            mean = lowest
            m2 = 0
            return
        }
        let m = sum / Double(n)
        var sq = 0.0
        var dev = 0.0
        for i in 0..<n {
            let d = window[i] - m
            sq += d * d
            dev += d
        }
        // Corrected two-pass (Chan, Golub & LeVeque): removes the error left in `m`.
        mean = m + dev / Double(n)
        m2 = max(0, sq - dev * dev / Double(n))
    }

    @inlinable
    mutating func reset() {
        window.removeAll()
        mean = .nan
        m2 = .nan
        updatesSinceRecompute = 0
        m2ErrorBound = 0
    }
}
