/// A streaming JSON writer whose output is byte-for-byte what Foundation's `JSONEncoder` writes
/// with `[.sortedKeys, .withoutEscapingSlashes]` (plus `.prettyPrinted` when `pretty`): `" : "`
/// between key and value, two spaces per level, an empty container as `[\n\n  ]`, doubles in
/// Swift's shortest round-trip form without a trailing `.0`, the same string escapes.
///
/// It exists for the large parts of the result document (orders, trades, the equity curve):
/// `JSONEncoder` builds a tree of boxed values first, which costs more than the backtest itself.
/// Callers write object members in sorted (UTF-8 byte) order; the writer does not sort.
public struct JSONByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public let pretty: Bool
    private var depth = 0
    /// Bit `d` set: the container at depth `d` has no element yet.
    private var emptyMask: UInt64 = 0

    /// - Parameter depth: the nesting level the first value is written at (1 for a member of a
    ///   top-level object), which sets the indentation of pretty output.
    public init(pretty: Bool, depth: Int = 0, reservingCapacity capacity: Int = 0) {
        self.pretty = pretty
        self.depth = depth
        bytes.reserveCapacity(capacity)
    }

    /// Hands the buffer over (the writer is left empty).
    public mutating func takeBytes() -> [UInt8] {
        var out: [UInt8] = []
        swap(&out, &bytes)
        return out
    }

    // MARK: Containers

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    @inline(__always)
    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        if pretty { bytes.append(10) }
        depth += 1
        emptyMask |= 1 << UInt64(depth & 63)
    }

    @inline(__always)
    private mutating func close(_ bracket: UInt8) {
        emptyMask &= ~(1 << UInt64(depth & 63))
        depth -= 1
        if pretty {
            bytes.append(10)
            writeIndent()
        }
        bytes.append(bracket)
    }

    /// The separator and indentation before an array element or object member.
    @inline(__always)
    private mutating func elementPrefix() {
        let bit: UInt64 = 1 << UInt64(depth & 63)
        if emptyMask & bit != 0 {
            emptyMask &= ~bit
        } else {
            bytes.append(UInt8(ascii: ","))
            if pretty { bytes.append(10) }
        }
        if pretty { writeIndent() }
    }

    @inline(__always)
    private mutating func writeIndent() {
        for _ in 0..<depth {
            bytes.append(32)
            bytes.append(32)
        }
    }

    /// Starts an object member: `"key" : ` (the key must need no escaping).
    @inline(__always)
    public mutating func key(_ name: StaticString) {
        elementPrefix()
        bytes.append(34)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(34)
        if pretty {
            bytes.append(32)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(32)
        } else {
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Starts an array element (call before writing each element's value).
    @inline(__always)
    public mutating func element() { elementPrefix() }

    // MARK: Values

    public mutating func null() { append("null") }

    public mutating func bool(_ value: Bool) { append(value ? "true" : "false") }

    @inline(__always)
    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// An integer in decimal, as `Int.description`.
    public mutating func int(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
                magnitude /= 10
            } while magnitude != 0
            bytes.append(contentsOf: scratch[index...])
        }
    }

    /// An integer, or `null` when absent.
    public mutating func int(_ value: Int?) {
        if let value { int(value) } else { null() }
    }

    /// A finite double as `JSONEncoder` writes it: `description`, minus a trailing `.0`
    /// (`null` for NaN and infinities, which the document never holds).
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return null() }
        // Integral values of moderate size print as integers (what `description` minus ".0" gives).
        if value == value.rounded(.towardZero), value.magnitude < 1e15, value != 0 || value.sign == .plus {
            int(Int(value))
            return
        }
        var text = value.description
        text.withUTF8 { utf8 in
            var count = utf8.count
            if count >= 2, utf8[count - 1] == UInt8(ascii: "0"), utf8[count - 2] == UInt8(ascii: ".") { count -= 2 }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<count]))
        }
    }

    /// A double, or `null` when absent.
    public mutating func number(_ value: Double?) {
        if let value { number(value) } else { null() }
    }

    /// A string with `JSONEncoder`'s escapes (slashes unescaped).
    public mutating func string(_ value: String) {
        var text = value
        text.withUTF8 { string(utf8: $0) }
    }

    /// A string, or `null` when absent.
    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// A string given as UTF-8 bytes.
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(34)
        var mark = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == 34 || byte == 92 else { continue }
            if index > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
            bytes.append(92)
            switch byte {
            case 34: bytes.append(34)
            case 92: bytes.append(92)
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0c: bytes.append(UInt8(ascii: "f"))
            case 10: bytes.append(UInt8(ascii: "n"))
            case 13: bytes.append(UInt8(ascii: "r"))
            case 9: bytes.append(UInt8(ascii: "t"))
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            }
            mark = index + 1
        }
        if utf8.count > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark...])) }
        bytes.append(34)
    }

    /// `"YYYY-MM-DDTHH:MM:SS.sssZ"`, the document's timestamp form (see `ISO8601Timestamp`).
    public mutating func timestamp(milliseconds: Int64) {
        bytes.append(34)
        ISO8601Timestamp.append(milliseconds: milliseconds, to: &bytes)
        bytes.append(34)
    }

    /// Bytes already encoded as one JSON value by `JSONEncoder` with the same options, written at
    /// the current depth (pretty output is re-indented: every newline gains this level's indent).
    public mutating func encodedValue(_ value: [UInt8]) {
        guard pretty, depth > 0 else {
            bytes.append(contentsOf: value)
            return
        }
        // The blank line inside an empty container (`[\n\n]`) stays blank, as `JSONEncoder` writes it.
        for index in value.indices {
            bytes.append(value[index])
            if value[index] == 10, index + 1 < value.count, value[index + 1] != 10 { writeIndent() }
        }
    }

    /// Raw bytes, appended as they are.
    public mutating func raw(_ value: [UInt8]) {
        bytes.append(contentsOf: value)
    }
}
