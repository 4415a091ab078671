/// Comparisons of secrets whose running time does not depend on where the inputs differ.
///
/// An early-exit `==` on a token lets a client find it byte by byte from response times. These
/// loops visit every byte of the longer input and fold the differences into one value, so the time
/// depends only on the lengths (the attacker's own, and the secret's, which is not secret enough to
/// matter: tokens are at least 16 characters and sessions are always 64).
public enum ConstantTime {
    /// True when `lhs` and `rhs` hold the same bytes.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let left = Array(lhs)
        let right = Array(rhs)
        // A length difference is folded in, not returned early.
        var difference: UInt8 = left.count == right.count ? 0 : 1
        let count = max(left.count, right.count)
        for index in 0..<count {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }

    /// True when the UTF-8 bytes of `lhs` and `rhs` are the same.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(lhs.utf8, rhs.utf8)
    }

    /// The index of the first element of `candidates` equal to `value`, looking at every candidate
    /// (no early exit), so the time says nothing about which one matched or how close the others were.
    static func firstIndex(of value: [UInt8], in candidates: [[UInt8]]) -> Int? {
        var found = -1
        for (index, candidate) in candidates.enumerated() {
            let match = equals(candidate, value)
            // Branch-free select would be overkill: `found` only changes on the one real match.
            if match && found < 0 { found = index }
        }
        return found < 0 ? nil : found
    }
}
