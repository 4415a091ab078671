/// Stable, platform-independent hashing for the `sim` generator. Nothing here may change
/// without re-pinning the regression values in the tests: every sim price depends on it.
enum SimHash {
    /// 64-bit FNV-1a of the UTF-8 bytes of `text`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// SplitMix64 finaliser: a bijective avalanche mix.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hash of an integer key (a lattice cell or a timestamp) under a precomputed stream key.
    @inline(__always)
    static func hash(_ stream: UInt64, _ key: Int64) -> UInt64 {
        mix((UInt64(bitPattern: key) &* 0xD1B5_4A32_D192_ED03) ^ stream)
    }

    /// Uniform in [0, 1).
    @inline(__always)
    static func unit(_ h: UInt64) -> Double {
        Double(h >> 11) * 0x1p-53
    }

    /// Uniform in [-1, 1).
    @inline(__always)
    static func signedUnit(_ h: UInt64) -> Double {
        Double(h >> 11) * 0x1p-52 - 1
    }

    /// Approximately standard normal (Irwin–Hall of four 16-bit uniforms), bounded by ±2√3.
    @inline(__always)
    static func gaussian(_ h: UInt64) -> Double {
        let sum = Double(h & 0xFFFF) + Double((h >> 16) & 0xFFFF) + Double((h >> 32) & 0xFFFF) + Double(h >> 48)
        return (sum * 0x1p-16 - 2) * 1.7320508075688772
    }
}
