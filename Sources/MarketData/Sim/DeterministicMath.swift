/// `exp` built only from IEEE basic operations, so the `sim` generator yields bit-identical prices
/// on every platform and libm version (the system `exp` is not guaranteed correctly rounded).
/// Relative error below 1e-11 for |x| < 700 — far below the 7-significant-digit price rounding.
enum DeterministicMath {
    @inline(__always)
    static func exp(_ x: Double) -> Double {
        let log2e = 1.4426950408889634
        let ln2Hi = 6.93147180369123816490e-01
        let ln2Lo = 1.90821492927058770002e-10
        let k = roundToInteger(x * log2e)
        let r = (x - k * ln2Hi) - k * ln2Lo
        // Taylor series to r^10 (|r| ≤ ln2/2, truncation error < 1e-11 relative), Horner form.
        var p = 1.0 / 3_628_800.0
        p = p * r + 1.0 / 362_880.0
        p = p * r + 1.0 / 40_320.0
        p = p * r + 1.0 / 5_040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        // p × 2^k, exact; k stays within the normal exponent range for |x| < 700.
        return p * Double(bitPattern: UInt64(Int64(k) + 1023) << 52)
    }

    /// Rounds to the nearest integer (ties to even) for 0 ≤ |x| < 2^51, with two additions:
    /// exact, deterministic and much cheaper than a libm call.
    @inline(__always)
    static func roundToInteger(_ x: Double) -> Double {
        let magic = 6_755_399_441_055_744.0  // 1.5 × 2^52
        return x >= 0 ? (x + magic) - magic : (x - magic) + magic
    }
}
