/// A fixed-size ring of the latest `capacity` values (allocated once).
struct RollingWindow: Sendable {
    private var storage: [Double]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = Array(repeating: 0, count: max(capacity, 1))
    }

    var capacity: Int { storage.count }
    var isFull: Bool { count == storage.count }

    /// The value pushed `capacity` pushes ago (the oldest one), valid when `isFull`.
    var oldest: Double { storage[next] }

    mutating func push(_ value: Double) {
        storage[next] = value
        next += 1
        if next == storage.count { next = 0 }
        if count < storage.count { count += 1 }
    }
}
