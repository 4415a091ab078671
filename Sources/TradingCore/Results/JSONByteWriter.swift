/// A streaming JSON writer whose output is byte-for-byte what Foundation's `JSONEncoder` writes
/// with `[.sortedKeys, .withoutEscapingSlashes]` (plus `.prettyPrinted` when `pretty`): `" : "`
/// between key and value, two spaces per level, an empty container as `[\n\n  ]`, doubles in
/// Swift's shortest round-trip form without a trailing `.0`, the same string escapes.
///
/// It exists for the large parts of the result document (orders, trades, the equity curve):
/// `JSONEncoder` builds a tree of boxed values first, which costs more than the backtest itself.
/// Callers write object members in sorted (UTF-8 byte) order; the writer does not sort.
public struct JSONByteWriter: Sendable {
    /// The bytes written so far (a copy).
    public var bytes: [UInt8] { buffer.array() }
    public let pretty: Bool
    /// Raw, growable storage: appending through `[UInt8]` costs a uniqueness check, a capacity
    /// check and (in the size-optimised release build) an out-of-line generic call per append,
    /// which was most of the time of writing a 30 MB document. Writers are used through one
    /// variable (`inout`), never copied while writing.
    private var buffer: JSONByteBuffer
    private var depth = 0
    /// Bit `d` set: the container at depth `d` has no element yet.
    private var emptyMask: UInt64 = 0
    /// The day number (since 1970-01-01) whose `YYYY-MM-DD` is in `cachedDate`.
    private var cachedDay: Int64 = .min
    private var cachedDate: (UInt64, UInt16) = (0, 0)

    /// - Parameter depth: the nesting level the first value is written at (1 for a member of a
    ///   top-level object), which sets the indentation of pretty output.
    public init(pretty: Bool, depth: Int = 0, reservingCapacity capacity: Int = 0) {
        self.pretty = pretty
        self.depth = depth
        buffer = JSONByteBuffer(capacity: capacity)
    }

    /// Hands the bytes over (the writer is left empty).
    public mutating func takeBytes() -> [UInt8] {
        let out = buffer.array()
        buffer.count = 0
        return out
    }

    /// Hands the storage over without copying it (the writer starts a new, empty one).
    mutating func takePiece() -> JSONPiece {
        let taken = buffer
        buffer = JSONByteBuffer(capacity: 64)
        return JSONPiece(taken)
    }

    // MARK: Containers

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    @inline(__always)
    private mutating func open(_ bracket: UInt8) {
        buffer.append(bracket)
        if pretty { buffer.append(10) }
        depth += 1
        emptyMask |= 1 << UInt64(depth & 63)
    }

    @inline(__always)
    private mutating func close(_ bracket: UInt8) {
        emptyMask &= ~(1 << UInt64(depth & 63))
        depth -= 1
        if pretty {
            buffer.append(10)
            writeIndent()
        }
        buffer.append(bracket)
    }

    /// The separator and indentation before an array element or object member.
    @inline(__always)
    private mutating func elementPrefix() {
        let bit: UInt64 = 1 << UInt64(depth & 63)
        if emptyMask & bit != 0 {
            emptyMask &= ~bit
        } else {
            buffer.append(UInt8(ascii: ","))
            if pretty { buffer.append(10) }
        }
        if pretty { writeIndent() }
    }

    @inline(__always)
    private mutating func writeIndent() {
        let count = 2 * depth
        if count <= 64 {
            Self.spaces.withUTF8Buffer { buffer.append(UnsafeBufferPointer(rebasing: $0[..<count])) }
        } else {
            for _ in 0..<count { buffer.append(32) }
        }
    }

    // Literals, not arrays: a static array is reached through a lazy-initialisation check on
    // every call, and these are used for every key.
    private static var spaces: StaticString { "                                                                " }
    private static var prettyColon: StaticString { "\" : " }

    /// Starts an object member: `"key" : ` (the key must need no escaping).
    @inline(__always)
    public mutating func key(_ name: StaticString) {
        elementPrefix()
        buffer.append(34)
        name.withUTF8Buffer { buffer.append($0) }
        if pretty {
            Self.prettyColon.withUTF8Buffer { buffer.append($0) }
        } else {
            buffer.append(34)
            buffer.append(UInt8(ascii: ":"))
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
        text.withUTF8Buffer { buffer.append($0) }
    }

    /// An integer in decimal, as `Int.description`.
    public mutating func int(_ value: Int) {
        buffer.appendDecimal(value)
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
        DoubleText.append(value, dropsZeroFraction: true, to: buffer)
    }

    /// A finite double given as the bytes of its `description` (what `number(_:)` writes for
    /// it: the same text without a trailing `.0`) — for a double already formatted elsewhere.
    mutating func number(descriptionBytes text: UnsafeRawBufferPointer) {
        var count = text.count
        if count >= 2, text[count - 1] == UInt8(ascii: "0"), text[count - 2] == UInt8(ascii: ".") { count -= 2 }
        buffer.append(UnsafeBufferPointer(start: text.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
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

    /// A string known to need no escaping (an enum's raw value, a fixed word).
    @inline(__always)
    public mutating func string(verbatim text: StaticString) {
        buffer.append(34)
        text.withUTF8Buffer { buffer.append($0) }
        buffer.append(34)
    }

    /// A string, or `null` when absent.
    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// A string given as UTF-8 bytes.
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        buffer.append(34)
        var mark = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == 34 || byte == 92 else { continue }
            if index > mark { buffer.append(UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
            buffer.append(92)
            switch byte {
            case 34: buffer.append(34)
            case 92: buffer.append(92)
            case 0x08: buffer.append(UInt8(ascii: "b"))
            case 0x0c: buffer.append(UInt8(ascii: "f"))
            case 10: buffer.append(UInt8(ascii: "n"))
            case 13: buffer.append(UInt8(ascii: "r"))
            case 9: buffer.append(UInt8(ascii: "t"))
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                for escaped in [UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]] { buffer.append(escaped) }
            }
            mark = index + 1
        }
        if utf8.count > mark { buffer.append(UnsafeBufferPointer(rebasing: utf8[mark...])) }
        buffer.append(34)
    }

    /// `"YYYY-MM-DDTHH:MM:SS.sssZ"`, the document's timestamp form (see `ISO8601Timestamp`),
    /// formatted in place.
    public mutating func timestamp(milliseconds: Int64) {
        guard ISO8601Timestamp.hasFixedWidth(milliseconds) else {
            return string(ISO8601Timestamp.slowString(fromMilliseconds: milliseconds))
        }
        // Consecutive timestamps in a list mostly fall on the same day: its date text is kept.
        let (day, millisecondOfDay) = ISO8601Timestamp.floorDivide(milliseconds, 86_400_000)
        if day != cachedDay {
            withUnsafeMutableBytes(of: &cachedDate) { ISO8601Timestamp.writeDate(day: day, to: $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            cachedDay = day
        }
        var date = cachedDate
        buffer.appendUninitialized(26) { out in
            out[0] = 34
            withUnsafeBytes(of: &date) { UnsafeMutableRawPointer(out + 1).copyMemory(from: $0.baseAddress!, byteCount: 10) }
            ISO8601Timestamp.writeTime(millisecondOfDay: millisecondOfDay, to: out + 11)
            out[25] = 34
        }
    }

    /// A timestamp, or `null` when absent.
    public mutating func timestamp(milliseconds: Int64?) {
        if let milliseconds { timestamp(milliseconds: milliseconds) } else { null() }
    }

    /// Bytes already encoded as one JSON value by `JSONEncoder` with the same options, written at
    /// the current depth (pretty output is re-indented: every newline gains this level's indent).
    public mutating func encodedValue(_ value: [UInt8]) {
        guard pretty, depth > 0 else {
            value.withUnsafeBufferPointer { buffer.append($0) }
            return
        }
        // The blank line inside an empty container (`[\n\n]`) stays blank, as `JSONEncoder` writes it.
        for index in value.indices {
            buffer.append(value[index])
            if value[index] == 10, index + 1 < value.count, value[index + 1] != 10 { writeIndent() }
        }
    }

    /// Raw bytes, appended as they are.
    public mutating func raw(_ value: [UInt8]) {
        value.withUnsafeBufferPointer { buffer.append($0) }
    }
}

/// The writer's storage: a malloc'd region that doubles when full.
final class JSONByteBuffer: @unchecked Sendable {
    // Only the writer that owns this buffer touches it (see `JSONByteWriter.buffer`).
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// `value.description`'s bytes.
    func appendDecimal(_ value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
                magnitude /= 10
            } while magnitude != 0
            append(UnsafeBufferPointer(rebasing: scratch[index...]))
        }
    }

    /// Appends `count` bytes that `body` writes in place.
    @inline(__always)
    func appendUninitialized(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        if self.count + count > capacity { grow(to: self.count + count) }
        body(base + self.count)
        self.count += count
    }

    /// Appends a copy of the bytes already at `range` (a text written earlier in this buffer).
    func appendCopy(of range: Range<Int>) {
        guard !range.isEmpty else { return }
        if count + range.count > capacity { grow(to: count + range.count) }
        // After any growth: the source is read from the current storage.
        (base + count).update(from: base + range.lowerBound, count: range.count)
        count += range.count
    }

    /// The bytes in `range`, for the duration of `body`.
    func withBytes(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> Void) {
        body(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    private func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// The bytes so far as an array (one copy).
    func array() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }
}
