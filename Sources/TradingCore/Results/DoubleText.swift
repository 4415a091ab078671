/// Doubles in Swift's shortest round-trip form (`Double.description`), appended as UTF-8 bytes —
/// the one place the result document, the JSON writer and the order fingerprint format doubles.
///
/// The text comes from `Double.write(to:)`, which formats into a stack buffer and hands it to the
/// stream's `_writeASCII` — no `String` (which costs an allocation past 15 bytes, and most prices,
/// quantities and fees are longer). Calling the runtime's formatter (`swift_float64ToString`)
/// directly was tried before: in Swift 6.3 that entry point no longer writes from the buffer's
/// start. `DoubleTextTests` holds the bytes to `description`'s on 200,000 values.
enum DoubleText {
    /// Appends `value.description`'s UTF-8 bytes, without a trailing `.0` when `dropsZeroFraction`.
    @inline(__always)
    static func append(_ value: Double, dropsZeroFraction: Bool, to buffer: JSONByteBuffer) {
        withFormatted(value, dropsZeroFraction: dropsZeroFraction) { buffer.append($0) }
    }

    /// The formatted bytes for the duration of `body`.
    @inline(__always)
    static func withFormatted(_ value: Double, dropsZeroFraction: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var sink = Scratch()
        // `write(to:)` prints a NaN's sign and payload (`-nan`, `nan(0x1)`, `snan`); `description`
        // prints `nan`.
        if !value.isNaN { value.write(to: &sink) }
        guard !value.isNaN, sink.count <= Scratch.capacity else {
            // Also taken if a text were ever longer than the scratch (the longest is 24 bytes).
            var text = value.description
            return text.withUTF8 { body(trimmed($0, dropsZeroFraction)) }
        }
        withUnsafeBytes(of: &sink.storage) { raw in
            body(trimmed(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: sink.count), dropsZeroFraction))
        }
    }

    @inline(__always)
    private static func trimmed(_ utf8: UnsafeBufferPointer<UInt8>, _ dropsZeroFraction: Bool) -> UnsafeBufferPointer<UInt8> {
        var count = utf8.count
        if dropsZeroFraction, count >= 2, utf8[count - 1] == UInt8(ascii: "0"), utf8[count - 2] == UInt8(ascii: ".") {
            count -= 2
        }
        return UnsafeBufferPointer(rebasing: utf8[..<count])
    }

    /// 32 bytes on the stack that `Double.write(to:)` writes into.
    private struct Scratch: TextOutputStream {
        static let capacity = 32
        var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        /// Bytes written (may exceed `capacity`: then only the count is kept).
        var count = 0

        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
            append(buffer)
        }

        mutating func write(_ string: String) {
            var string = string
            string.withUTF8 { append($0) }
        }

        private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            let start = count
            count += bytes.count
            guard count <= Self.capacity, let source = bytes.baseAddress else { return }
            withUnsafeMutableBytes(of: &storage) { raw in
                (raw.baseAddress! + start).copyMemory(from: source, byteCount: bytes.count)
            }
        }
    }
}
