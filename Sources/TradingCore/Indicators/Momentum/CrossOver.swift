/// Detects crossings of a fast series over a slow one (e.g. two moving averages).
///
/// Product rule: a cross up happens at bar i when the last non-zero value of (fast − slow)
/// before bar i was negative and (fast − slow) at bar i is positive; a cross down is the mirror
/// image. Comparisons are exact (`fast > slow`, `fast < slow`), so an exact tie neither creates
/// a signal nor loses one: a zero difference leaves the remembered sign untouched. An update in
/// which either input is NaN (e.g. an average that is not ready yet) signals nothing and leaves
/// the state untouched.
///
/// - `crossedUp` / `crossedDown` describe the latest update only.
/// - `isReady` becomes true at the first update with a non-zero difference (from then on a
///   cross can be detected); the first non-zero difference itself never signals.
/// - Cost: O(1), no allocation.
public struct CrossOver: Sendable {
    /// Sign of the last non-zero difference: +1, −1, or 0 if none seen yet.
    @usableFromInline var lastSign: Int8 = 0
    @usableFromInline var up: Bool = false
    @usableFromInline var down: Bool = false

    /// True when the latest update was a cross up.
    @inlinable public var crossedUp: Bool { up }
    /// True when the latest update was a cross down.
    @inlinable public var crossedDown: Bool { down }

    public init() {}

    @inlinable
    public mutating func update(fast: Double, slow: Double) {
        up = false
        down = false
        if fast > slow {
            up = lastSign < 0
            lastSign = 1
        } else if fast < slow {
            down = lastSign > 0
            lastSign = -1
        }
        // Equal, or NaN involved: nothing to record.
    }

    @inlinable public var isReady: Bool { lastSign != 0 }

    public mutating func reset() {
        lastSign = 0
        up = false
        down = false
    }
}
