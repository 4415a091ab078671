/// 64-bit FNV-1a, for deterministic run ids and order-list fingerprints (not for security).
public struct FNV1a: Sendable, Hashable {
    public internal(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    @inline(__always)
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    public mutating func combine(_ text: String) {
        for byte in text.utf8 { combine(byte) }
    }

    public mutating func combine<C: Sequence>(bytes: C) where C.Element == UInt8 {
        for byte in bytes { combine(byte) }
    }

    /// Bytes in memory (the generic form is not specialised in the size-optimised build).
    @inline(__always)
    public mutating func combine(bytes: UnsafeBufferPointer<UInt8>) {
        var state = value
        for byte in bytes { state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        value = state
    }

    /// Every byte a writer's buffer holds.
    mutating func combine(_ buffer: JSONByteBuffer) {
        buffer.withBytes(in: 0..<buffer.count) { combine(bytes: $0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// Little-endian bytes of a 64-bit pattern.
    @inline(__always)
    public mutating func combine(bits: UInt64) {
        var v = bits
        for _ in 0..<8 {
            combine(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// 16 lower-case hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(text)
        return hasher.value
    }
}
