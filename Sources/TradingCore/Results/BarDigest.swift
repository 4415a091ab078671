/// A 64-bit fingerprint of a bar series, for run ids and sweep data hashes (not for security).
///
/// Byte-serial FNV-1a over 48 bytes per bar costs about 200 M dependent multiplies on a 1M-bar
/// series — longer than the engine loop itself. This digest reads each bar as its six 64-bit
/// words (open time, then the IEEE bits of open, high, low, close, volume) and feeds word `k` to
/// lane `k` with xxHash64's round, `lane = rotl(lane + word × P2, 31) × P1`, so six multiply
/// chains run in parallel. (A bare `rotl((lane ^ word) × P, 31)` was tried first: a flip of a
/// word's top bit then equals a flip of bit 30 of the next bar's word, a collision the tests
/// caught; the second multiply spreads every difference over many bits.)
/// The lanes are folded into an FNV-1a state that already holds the prefix (symbol text and
/// anything else hashed before), then finished with SplitMix64's mixer.
///
/// The value is fixed by this definition: changing it changes every run id and sweep cell id.
public enum BarDigest {
    static let prime1: UInt64 = 0x9e37_79b1_85eb_ca87
    static let prime2: UInt64 = 0xc2b2_ae3d_27d4_eb4f

    /// Folds `bars` into `hasher`: the six-lane digest of the series, then its length.
    public static func combine(_ bars: ArraySlice<Bar>, into hasher: inout FNV1a) {
        var lanes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0x9e37_79b9_7f4a_7c15, 0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb,
             0xcbf2_9ce4_8422_2325, 0x2545_f491_4f6c_dd1d, 0x6a09_e667_f3bc_c908)
        @inline(__always) func step(_ lane: inout UInt64, _ word: UInt64) {
            let sum = lane &+ word &* prime2
            lane = ((sum << 31) | (sum >> 33)) &* prime1
        }
        bars.withUnsafeBufferPointer { buffer in
            for bar in buffer {
                step(&lanes.0, UInt64(bitPattern: bar.openTime))
                step(&lanes.1, bar.open.bitPattern)
                step(&lanes.2, bar.high.bitPattern)
                step(&lanes.3, bar.low.bitPattern)
                step(&lanes.4, bar.close.bitPattern)
                step(&lanes.5, bar.volume.bitPattern)
            }
        }
        for lane in [lanes.0, lanes.1, lanes.2, lanes.3, lanes.4, lanes.5, UInt64(bars.count)] {
            hasher.combine(bits: lane)
        }
        hasher.finish()
    }

    /// As `combine(_:into:)` for a whole array.
    public static func combine(_ bars: [Bar], into hasher: inout FNV1a) {
        combine(bars[...], into: &hasher)
    }
}

extension FNV1a {
    /// Runs the state through SplitMix64's finaliser, so every input bit reaches every output bit.
    mutating func finish() {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        value = z ^ (z >> 31)
    }
}
