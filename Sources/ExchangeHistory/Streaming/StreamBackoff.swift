/// Capped exponential backoff between reconnects: `initial`, doubling, never above `maximum`;
/// back to `initial` once a connection has worked.
public struct StreamBackoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var current: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        current = initial
    }

    /// The wait before the next attempt; the one after it is twice as long, up to `maximum`.
    public mutating func next() -> Duration {
        let wait = current
        current = min(current * 2, maximum)
        return wait
    }

    /// A connection worked: the next wait is `initial` again.
    public mutating func reset() { current = initial }
}
