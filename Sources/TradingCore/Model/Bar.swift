/// One OHLCV candle.
///
/// `openTime` is the bar's opening instant in milliseconds since the Unix epoch, UTC.
/// Prices and volume are `Double`: market data arrives as binary floating point from
/// every venue, and the engine documents where that matters (`docs/engine.md`).
public struct Bar: Sendable, Hashable, Codable {
    public var openTime: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(openTime: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.openTime = openTime
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    /// True when the candle is internally consistent: high ≥ max(open, close), low ≤ min(open, close),
    /// every price finite and positive, volume finite and not negative.
    public var isConsistent: Bool {
        open.isFinite && high.isFinite && low.isFinite && close.isFinite && volume.isFinite
            && low > 0 && volume >= 0
            && high >= max(open, close) && low <= min(open, close)
    }
}
