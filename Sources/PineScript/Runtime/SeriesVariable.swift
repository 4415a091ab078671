/// One numeric series: its current value and, when the script reads `x[n]`, its past values.
///
/// A new value is *committed* each time the statement that declares the variable runs (every bar
/// for global variables, every execution for variables in blocks and functions — Pine's rule that
/// the history of a local series is the history of its executions). `:=` changes the current value
/// without committing. Bools are stored as 0/1, colors as their RGBA bits.
final class SeriesVariable {
    var value: Double = .nan
    private var ring: UnsafeMutablePointer<Double>?
    private(set) var depth = 0
    private var head = 0
    private var count = 0
    /// `var`/`varip`: initialised once, then carried from bar to bar.
    var isInitialized = false

    /// Makes `x[depth]` readable. Called by the compiler before the run.
    func requireHistory(_ requested: Int) {
        depth = max(depth, requested)
    }

    func allocate() {
        guard depth > 0, ring == nil else { return }
        ring = .allocate(capacity: depth)
        ring!.initialize(repeating: .nan, count: depth)
    }

    func reset() {
        value = .nan
        head = 0
        count = 0
        isInitialized = false
        if let ring { ring.update(repeating: .nan, count: depth) }
    }

    @inline(__always)
    func commit(_ newValue: Double) {
        if let ring {
            ring[head] = value
            head += 1
            if head == depth { head = 0 }
            if count < depth { count += 1 }
        }
        value = newValue
    }

    /// `x[offset]`: the current value for 0, na past the first execution or beyond the depth.
    @inline(__always)
    func at(_ offset: Int) -> Double {
        if offset == 0 { return value }
        guard offset > 0, offset <= count, let ring else { return .nan }
        var slot = head - offset
        if slot < 0 { slot += depth }
        return ring[slot]
    }

    deinit {
        ring?.deallocate()
    }
}

/// A string series; the history of strings is not kept (few scripts read `s[1]`).
final class StringVariable {
    var value = ""
    var isInitialized = false
}

/// A reference to a Pine array, as held by a variable.
final class ArrayVariable {
    var value: PineArray?
    var isInitialized = false
}

/// Pine's `array<T>`: a reference type; numbers, bools and colors are stored as `Double`.
final class PineArray {
    /// TradingView's limit on the size of an array.
    static let maximumCount = 100_000
    var numbers: [Double]
    var strings: [String]
    let elementType: PineType

    init(elementType: PineType, count: Int, initial: Double, initialString: String = "") {
        self.elementType = elementType
        if elementType == .string {
            numbers = []
            strings = Array(repeating: initialString, count: count)
        } else {
            numbers = Array(repeating: initial, count: count)
            strings = []
        }
    }

    var count: Int { elementType == .string ? strings.count : numbers.count }
}
