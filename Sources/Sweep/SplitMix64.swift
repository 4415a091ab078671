/// SplitMix64: a tiny, fast, seedable generator with a fixed algorithm, so a seed gives the same
/// sequence on every platform and Swift version (the standard library's `random(in:using:)`
/// promises no such thing, so the searches draw through `index(below:)` and `unit()` only).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<count` (multiply-shift; bias below 2⁻³² for counts under 2³²).
    public mutating func index(below count: Int) -> Int {
        precondition(count > 0)
        return Int((UInt64(truncatingIfNeeded: next() >> 32) &* UInt64(count)) >> 32)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
