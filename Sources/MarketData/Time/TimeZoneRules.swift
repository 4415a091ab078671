import TradingCore

/// UTC offsets of a time zone: UTC, a fixed offset (`+05:30`, `-0500`), or an IANA zone
/// (`America/New_York`) read from the system's compiled tz database (TZif files in
/// /usr/share/zoneinfo), without Foundation or ICU.
///
/// Instants after the file's last transition keep that transition's offset: Debian and macOS ship
/// "fat" TZif files whose table runs to 2037, which covers every candle there is.
public struct TimeZoneRules: Sendable {
    public let name: String
    private let transitions: [Int64]
    private let offsets: [Int32]
    private let initialOffset: Int32

    public static let utc = TimeZoneRules(name: "UTC", fixedOffsetSeconds: 0)

    public init(name: String, fixedOffsetSeconds: Int32) {
        self.init(name: name, transitions: [], offsets: [], initialOffset: fixedOffsetSeconds)
    }

    private init(name: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32) {
        self.name = name
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
    }

    /// Parses `UTC`, `Z`, `+HH:MM`, `-HHMM`, `+HH`, or an IANA name found under `zoneinfoDirectory`.
    public init(named text: String, zoneinfoDirectory: String = "/usr/share/zoneinfo") throws(TradingError) {
        if ["UTC", "Z", "Etc/UTC", "GMT", "utc"].contains(text) {
            self = .utc
            return
        }
        if let first = text.first, first == "+" || first == "-" {
            let digits = text.dropFirst().filter { $0 != ":" }
            guard digits.count == 2 || digits.count == 4, digits.allSatisfy(\.isNumber),
                  let hours = Int32(digits.prefix(2)), let minutes = Int32(digits.count == 4 ? String(digits.suffix(2)) : "0"),
                  hours < 24, minutes < 60 else {
                throw TradingError(code: .invalidConfiguration, message: "time zone offset '\(text)' must look like +05:30, -0500 or +09")
            }
            self.init(name: text, fixedOffsetSeconds: (first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
            return
        }
        guard !text.contains(".."), text.allSatisfy({ $0.isLetter || $0.isNumber || "/_-+".contains($0) }) else {
            throw TradingError(code: .invalidConfiguration, message: "'\(text)' is not a time zone name (e.g. America/New_York, UTC, +05:30)")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path: zoneinfoDirectory + "/" + text)
        } catch {
            throw TradingError(code: .invalidConfiguration, message: "unknown time zone '\(text)': no \(zoneinfoDirectory)/\(text) (use an IANA name, UTC or an offset like -05:00)")
        }
        guard let parsed = Self.parseTZif(bytes) else {
            throw TradingError(code: .invalidConfiguration, message: "\(zoneinfoDirectory)/\(text) is not a TZif time zone file")
        }
        self.init(name: text, transitions: parsed.transitions, offsets: parsed.offsets, initialOffset: parsed.initial)
    }

    /// Seconds east of UTC at `milliseconds` since the epoch.
    public func offsetSeconds(atMilliseconds milliseconds: Int64) -> Int32 {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        var low = 0
        var high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= seconds { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? initialOffset : offsets[low - 1]
    }

    private static func parseTZif(_ bytes: [UInt8]) -> (transitions: [Int64], offsets: [Int32], initial: Int32)? {
        func u32(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        func i64(_ at: Int) -> Int64? {
            guard let high = u32(at), let low = u32(at + 4) else { return nil }
            return Int64(bitPattern: UInt64(high) << 32 | UInt64(low))
        }
        guard bytes.count >= 44, bytes[0] == 0x54, bytes[1] == 0x5A, bytes[2] == 0x69, bytes[3] == 0x66 else { return nil }
        let version = bytes[4]
        func counts(_ at: Int) -> [Int]? {
            var values: [Int] = []
            for i in 0..<6 {
                guard let v = u32(at + 20 + i * 4) else { return nil }
                values.append(Int(v))
            }
            return values // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        }
        guard var c = counts(0) else { return nil }
        var base = 44
        var timeSize = 4
        if version >= 0x32 {
            // Skip the 32-bit block; the 64-bit one follows with its own header.
            let v1Length = c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]
            base += v1Length
            guard let c2 = counts(base) else { return nil }
            c = c2
            base += 44
            timeSize = 8
        }
        let timeCount = c[3], typeCount = c[4]
        guard typeCount > 0 else { return nil }
        var times: [Int64] = []
        for i in 0..<timeCount {
            let at = base + i * timeSize
            guard let t = timeSize == 8 ? i64(at) : u32(at).map({ Int64(Int32(bitPattern: $0)) }) else { return nil }
            times.append(t)
        }
        let indexBase = base + timeCount * timeSize
        let typeBase = indexBase + timeCount
        guard typeBase + typeCount * 6 <= bytes.count else { return nil }
        var typeOffsets: [Int32] = []
        for i in 0..<typeCount {
            guard let raw = u32(typeBase + i * 6) else { return nil }
            typeOffsets.append(Int32(bitPattern: raw))
        }
        var offsets: [Int32] = []
        for i in 0..<timeCount {
            let index = Int(bytes[indexBase + i])
            guard index < typeCount else { return nil }
            offsets.append(typeOffsets[index])
        }
        return (times, offsets, typeOffsets[0])
    }
}
