/// RFC 3986 helpers (no Foundation).
enum URLText {
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Percent-encodes everything except the unreserved set `A–Z a–z 0–9 - . _ ~`.
    static func percentEncode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `base` without trailing slashes.
    static func trimmedBase(_ base: String) -> String {
        var text = Substring(base)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
