import TradingCore

/// A time range `[start, end)` in epoch milliseconds.
public struct SweepWindow: Sendable, Hashable, Comparable {
    public let start: Int64
    public let end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public static func < (lhs: SweepWindow, rhs: SweepWindow) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }

    var json: JSONValue {
        .object(["start": .string(ISO8601Timestamp.string(fromMilliseconds: start)), "end": .string(ISO8601Timestamp.string(fromMilliseconds: end))])
    }
}

/// The bars of a sweep, loaded once and shared read-only by every worker (arrays are
/// copy-on-write and never mutated after loading, so threads read them without locks).
public struct SweepDataSet: Sendable {
    public let timeframe: Timeframe
    /// Bars per symbol, ascending by open time, never empty.
    public let bars: [TradingSymbol: [Bar]]

    public init(timeframe: Timeframe, bars: [TradingSymbol: [Bar]]) {
        self.timeframe = timeframe
        self.bars = bars
    }

    /// The range the bars of `symbol` cover: the first open time to the last open time plus one bar.
    public func fullWindow(_ symbol: TradingSymbol) -> SweepWindow? {
        guard let series = bars[symbol], let first = series.first, let last = series.last else { return nil }
        return SweepWindow(start: first.openTime, end: last.openTime + timeframe.milliseconds)
    }

    /// The range every symbol covers (the intersection), for walk-forward folds shared by all symbols.
    public func commonWindow(_ symbols: [TradingSymbol]) -> SweepWindow? {
        var start = Int64.min, end = Int64.max
        for symbol in symbols {
            guard let window = fullWindow(symbol) else { return nil }
            start = max(start, window.start)
            end = min(end, window.end)
        }
        return end > start ? SweepWindow(start: start, end: end) : nil
    }

    /// The bars of `symbol` with `window.start <= openTime < window.end` (the whole array, not a
    /// copy, when the window covers it).
    public func bars(_ symbol: TradingSymbol, in window: SweepWindow) -> [Bar] {
        guard let series = bars[symbol] else { return [] }
        let lower = Self.lowerBound(series, window.start)
        let upper = Self.lowerBound(series, window.end)
        if lower == 0 && upper == series.count { return series }
        return Array(series[lower..<upper])
    }

    /// Number of bars of `symbol` in `window`.
    public func barCount(_ symbol: TradingSymbol, in window: SweepWindow) -> Int {
        guard let series = bars[symbol] else { return 0 }
        return Self.lowerBound(series, window.end) - Self.lowerBound(series, window.start)
    }

    /// FNV-1a 64 (hex) of the symbol's text and the ``BarDigest`` of its bars in `window`, as
    /// `RunIdentifier` hashes them. A shard checks it before running a cell.
    public func dataHash(_ symbol: TradingSymbol, in window: SweepWindow) -> String {
        var hasher = FNV1a()
        hasher.combine(symbol.description)
        guard let series = bars[symbol] else { return hasher.hex }
        BarDigest.combine(series[Self.lowerBound(series, window.start)..<Self.lowerBound(series, window.end)], into: &hasher)
        return hasher.hex
    }

    /// Bytes the shared bars take (what the memory budget counts once).
    public var sharedBytes: Int {
        bars.values.reduce(0) { $0 + $1.count * MemoryLayout<Bar>.stride }
    }

    static func lowerBound(_ series: [Bar], _ time: Int64) -> Int {
        var low = 0, high = series.count
        while low < high {
            let mid = (low + high) / 2
            if series[mid].openTime < time { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
