import TradingCore

/// An equity curve in columns (ms timestamps, value, cash): compact for million-point runs,
/// turned into `EquityPoint`s only for what a response returns.
struct EquitySeries: Sendable {
    var timestamps: [Int64] = []
    var values: [Double] = []
    var cash: [Double] = []
    var initialCash: Double

    init(initialCash: Double) {
        self.initialCash = initialCash
    }

    init(timestamps: [Int64], values: [Double], cash: [Double], initialCash: Double) {
        self.timestamps = timestamps
        self.values = values
        self.cash = cash
        self.initialCash = initialCash
    }

    var count: Int { values.count }

    mutating func append(timestamp: Int64, value: Double, cash: Double) {
        if timestamps.last == timestamp {
            values[values.count - 1] = value
            self.cash[self.cash.count - 1] = cash
        } else {
            timestamps.append(timestamp)
            values.append(value)
            self.cash.append(cash)
        }
    }

    func point(_ index: Int) -> EquityPoint {
        EquityPoint(
            timestamp: ISO8601Timestamp.string(fromMilliseconds: timestamps[index]), value: values[index], cash: cash[index],
            pnl: values[index] - initialCash)
    }

    /// The curve for a response: every point when `maxPoints` is 0 or the curve is short enough,
    /// otherwise `maxPoints` points chosen by LTTB (first and last always kept).
    func points(maxPoints: Int) -> [EquityPoint] {
        let indices = maxPoints <= 0 || count <= maxPoints ? Array(0..<count) : Self.lttb(values, threshold: maxPoints)
        return indices.map(point)
    }

    /// LTTB indices; see `Downsampling.largestTriangleThreeBuckets`.
    static func lttb(_ data: [Double], threshold: Int) -> [Int] {
        Downsampling.largestTriangleThreeBuckets(data, threshold: threshold)
    }
}
