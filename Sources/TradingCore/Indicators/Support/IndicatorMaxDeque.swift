/// Sliding-window maximum over the last `window` pushes: a monotonic deque (values strictly
/// decreasing from front to back), amortised O(1) per push, no allocation after `init`.
///
/// For a sliding minimum push negated values and negate `maximum` (negation is exact).
/// Inputs must not be NaN.
@usableFromInline
struct IndicatorMaxDeque: Sendable {
    @usableFromInline var values: ContiguousArray<Double>
    @usableFromInline var positions: ContiguousArray<Int>
    @usableFromInline var head: Int
    @usableFromInline var count: Int
    /// Sequence number of the next push.
    @usableFromInline var nextPosition: Int
    @usableFromInline let window: Int

    @usableFromInline
    init(window: Int) {
        precondition(window >= 1, "IndicatorMaxDeque window must be >= 1")
        self.values = ContiguousArray(repeating: 0, count: window)
        self.positions = ContiguousArray(repeating: 0, count: window)
        self.head = 0
        self.count = 0
        self.nextPosition = 0
        self.window = window
    }

    @inlinable
    mutating func push(_ value: Double) {
        let position = nextPosition
        nextPosition &+= 1
        // Drop the front if it has left the window [position - window + 1, position].
        if count > 0 && positions[head] <= position &- window {
            head &+= 1
            if head == window { head = 0 }
            count &-= 1
        }
        // Drop back elements dominated by the new value (ties: keep the newest).
        while count > 0 {
            var back = head &+ count &- 1
            if back >= window { back &-= window }
            if values[back] > value { break }
            count &-= 1
        }
        var slot = head &+ count
        if slot >= window { slot &-= window }
        values[slot] = value
        positions[slot] = position
        count &+= 1
    }

    /// Maximum of the values pushed within the window; meaningless before the first push.
    @inlinable var maximum: Double { values[head] }

    @inlinable
    mutating func reset() {
        head = 0
        count = 0
        nextPosition = 0
    }
}
