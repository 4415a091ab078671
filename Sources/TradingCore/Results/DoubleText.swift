/// Doubles in Swift's shortest round-trip form (`Double.description`), appended as UTF-8 bytes —
/// the one place the result document, the JSON writer and the order fingerprint format doubles.
///
/// Calling the runtime's formatter (`swift_float64ToString`) directly was tried to skip the
/// `String`: in Swift 6.3 that entry point no longer writes from the buffer's start, and the test
/// against `description` caught it. `description` it is: strings of up to 15 bytes are stored
/// inline (no allocation); longer ones cost one.
enum DoubleText {
    /// Appends `value.description`'s UTF-8 bytes, without a trailing `.0` when `dropsZeroFraction`.
    @inline(__always)
    static func append(_ value: Double, dropsZeroFraction: Bool, to bytes: inout [UInt8]) {
        withFormatted(value, dropsZeroFraction: dropsZeroFraction) { bytes.append(contentsOf: $0) }
    }

    /// As `append(_:dropsZeroFraction:to:)`, into a writer's buffer.
    @inline(__always)
    static func append(_ value: Double, dropsZeroFraction: Bool, to buffer: JSONByteBuffer) {
        withFormatted(value, dropsZeroFraction: dropsZeroFraction) { buffer.append($0) }
    }

    /// The formatted bytes for the duration of `body`.
    @inline(__always)
    static func withFormatted(_ value: Double, dropsZeroFraction: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = value.description
        text.withUTF8 { utf8 in
            var count = utf8.count
            if dropsZeroFraction, count >= 2, utf8[count - 1] == UInt8(ascii: "0"), utf8[count - 2] == UInt8(ascii: ".") {
                count -= 2
            }
            body(UnsafeBufferPointer(rebasing: utf8[..<count]))
        }
    }
}
