/// Portfolio value after each step, stored compactly: one `Double` per point, timestamps shared
/// with the input bars (single-symbol runs) or stored once per step (merged runs), and cash as a
/// change log (cash moves only on fills). About 8 bytes per bar in a single-symbol run.
///
/// One point per bar in a single-symbol run; one per distinct timestamp in a multi-symbol run,
/// recorded after every symbol's bar at that timestamp was processed.
public struct EquityCurve: Sendable, Hashable {
    /// Cash + positions at the step's closes.
    public internal(set) var values: [Double]
    /// Timestamps of a merged run (empty when `bars` supplies them).
    var explicitTimestamps: [Int64]
    /// The bars of a single-symbol run (shared storage, not a copy).
    var bars: [Bar]
    /// Cash is `cashLevels[k]` from point `cashStarts[k]` until the next start.
    var cashStarts: [Int]
    var cashLevels: [Double]

    /// An empty curve starting with `initialCash`.
    init(initialCash: Double, bars: [Bar] = []) {
        values = []
        explicitTimestamps = []
        self.bars = bars
        cashStarts = [0]
        cashLevels = [initialCash]
    }

    /// A curve from explicit arrays (for tests and tools).
    public init(timestamps: [Int64], values: [Double], cash: [Double]) {
        self.values = values
        explicitTimestamps = timestamps
        bars = []
        cashStarts = []
        cashLevels = []
        for (index, level) in cash.enumerated() where cashLevels.last != level {
            cashStarts.append(index)
            cashLevels.append(level)
        }
        if cashStarts.isEmpty {
            cashStarts = [0]
            cashLevels = [0]
        }
    }

    public var count: Int { values.count }

    /// Open time (ms) of point `index`.
    @inline(__always)
    public func timestamp(at index: Int) -> Int64 {
        explicitTimestamps.isEmpty ? bars[index].openTime : explicitTimestamps[index]
    }

    /// Cash at point `index`.
    public func cash(at index: Int) -> Double {
        // Binary search for the last change at or before `index`.
        var low = 0, high = cashStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if cashStarts[mid] <= index { low = mid } else { high = mid - 1 }
        }
        return cashLevels[low]
    }

    /// Every timestamp (allocates).
    public var timestamps: [Int64] {
        explicitTimestamps.isEmpty ? bars.prefix(values.count).map(\.openTime) : explicitTimestamps
    }

    /// Cash at every point (allocates).
    public var cash: [Double] {
        var result = [Double]()
        result.reserveCapacity(values.count)
        var k = 0
        for index in 0..<values.count {
            while k + 1 < cashStarts.count, cashStarts[k + 1] <= index { k += 1 }
            result.append(cashLevels[k])
        }
        return result
    }

    public var firstTimestamp: Int64? { values.isEmpty ? nil : timestamp(at: 0) }
    public var lastTimestamp: Int64? { values.isEmpty ? nil : timestamp(at: values.count - 1) }

    /// Records that cash became `level` at point `index`.
    @inline(__always)
    mutating func recordCash(_ level: Double, at index: Int) {
        if cashStarts.last == index {
            cashLevels[cashLevels.count - 1] = level
        } else {
            cashStarts.append(index)
            cashLevels.append(level)
        }
    }
}
