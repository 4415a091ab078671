/// A fixed-capacity FIFO window of `Double`s, allocated once in `init`.
///
/// Appending to a full buffer overwrites the oldest element and hands it back, so a
/// sliding-window indicator can update running statistics in O(1) without allocating.
/// Internal support type for the indicators; not part of the public API.
@usableFromInline
struct IndicatorRingBuffer: Sendable {
    @usableFromInline var storage: ContiguousArray<Double>
    /// Physical index of the oldest element.
    @usableFromInline var head: Int
    @usableFromInline var count: Int
    @usableFromInline let capacity: Int

    @usableFromInline
    init(capacity: Int) {
        precondition(capacity >= 1, "IndicatorRingBuffer capacity must be >= 1")
        self.storage = ContiguousArray(repeating: 0, count: capacity)
        self.head = 0
        self.count = 0
        self.capacity = capacity
    }

    @inlinable var isFull: Bool { count == capacity }

    /// Appends `value` to a buffer that is not full.
    @inlinable
    mutating func append(_ value: Double) {
        precondition(count < capacity)
        var index = head &+ count
        if index >= capacity { index &-= capacity }
        storage[index] = value
        count &+= 1
    }

    /// Overwrites the oldest element of a full buffer with `value` and returns the old one.
    @inlinable
    mutating func replaceOldest(with value: Double) -> Double {
        precondition(count == capacity)
        let evicted = storage[head]
        storage[head] = value
        head &+= 1
        if head == capacity { head = 0 }
        return evicted
    }

    /// Element `i` in age order: 0 is the oldest, `count - 1` the newest.
    @inlinable
    subscript(i: Int) -> Double {
        precondition(i >= 0 && i < count)
        var index = head &+ i
        if index >= capacity { index &-= capacity }
        return storage[index]
    }

    /// Empties the buffer, keeping its storage.
    @inlinable
    mutating func removeAll() {
        head = 0
        count = 0
    }
}
