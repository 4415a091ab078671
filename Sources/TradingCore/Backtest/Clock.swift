/// Where the engine gets "now". In a backtest time comes only from bars, never from the wall clock.
public protocol Clock: Sendable {
    /// Milliseconds since the Unix epoch, UTC.
    var now: Int64 { get }
}

/// The backtest clock: the open time of the bar being processed (`Int64.min` before the first bar).
public struct SimulatedClock: Clock, Hashable {
    public internal(set) var now: Int64

    public init(now: Int64 = .min) {
        self.now = now
    }
}
