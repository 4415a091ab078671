/// Merges several symbols' bar series into one stream ordered by open time.
///
/// Bars with equal open times come out in the order of the series given to `init`; the engine
/// passes symbols sorted ascending by their `BASE/QUOTE` text, so ties resolve alphabetically
/// (`BTC/USDT` before `ETH/USDT`). Each series must already be sorted by open time.
public struct MergedFeed: Sendable, IteratorProtocol {
    /// One step of the merged stream: which series, which bar of it.
    public struct Element: Sendable, Hashable {
        public let series: Int
        public let index: Int
    }

    private let openTimes: [[Int64]]
    private var cursors: [Int]

    public init(series: [[Bar]]) {
        openTimes = series.map { $0.map(\.openTime) }
        cursors = Array(repeating: 0, count: series.count)
    }

    /// Total number of bars in all series.
    public var totalCount: Int { openTimes.reduce(0) { $0 + $1.count } }

    public mutating func next() -> Element? {
        var best = -1
        var bestTime = Int64.max
        for s in 0..<cursors.count {
            let cursor = cursors[s]
            guard cursor < openTimes[s].count else { continue }
            let time = openTimes[s][cursor]
            if best < 0 || time < bestTime {  // strict: the earlier series wins ties
                best = s
                bestTime = time
            }
        }
        guard best >= 0 else { return nil }
        let element = Element(series: best, index: cursors[best])
        cursors[best] += 1
        return element
    }
}
