extension Order {
    /// One line per order for fingerprints:
    /// `id|symbol|side|type|tif|status|quantity|filled|avgPrice|fees|created|updated|limit|stop|oco|parent`
    /// with doubles in Swift's shortest round-trip form (so the text pins exact values).
    public var canonicalText: String {
        func text(_ value: Double?) -> String { value.map { String($0) } ?? "-" }
        func text(_ value: Int?) -> String { value.map { String($0) } ?? "-" }
        return [
            String(id), String(symbol), side.rawValue, type.rawValue, timeInForce.rawValue, status.rawValue,
            text(quantity), text(filledQuantity), text(averageFillPrice), text(fees), String(createdAt), String(updatedAt),
            text(limitPrice), text(stopPrice), text(ocoGroup), text(parentId),
        ].joined(separator: "|")
    }

    /// FNV-1a 64 hex of every order's `canonicalText`, one per line.
    public static func listHash(_ orders: [Order]) -> String {
        // The bytes of `canonicalText` + "\n" per order, formatted into one reused buffer (no
        // string per field) — the same hash, without ~20 allocations per order.
        var hasher = FNV1a()
        var line: [UInt8] = []
        line.reserveCapacity(256)
        for order in orders {
            line.removeAll(keepingCapacity: true)
            order.appendCanonicalBytes(to: &line)
            line.append(10)
            line.withUnsafeBufferPointer { hasher.combine(bytes: $0) }
        }
        return hasher.hex
    }

    /// The UTF-8 bytes of `canonicalText`.
    func appendCanonicalBytes(to line: inout [UInt8]) {
        @inline(__always) func int(_ value: Int) {
            if value < 0 { line.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            let start = line.count
            repeat {
                line.append(UInt8(truncatingIfNeeded: magnitude % 10) &+ 48)
                magnitude /= 10
            } while magnitude != 0
            line[start...].reverse()
        }
        @inline(__always) func text(_ value: String) {
            var value = value
            value.withUTF8 { line.append(contentsOf: $0) }
        }
        @inline(__always) func double(_ value: Double?) {
            if let value { DoubleText.append(value, dropsZeroFraction: false, to: &line) } else { line.append(UInt8(ascii: "-")) }
        }
        @inline(__always) func optionalInt(_ value: Int?) {
            if let value { int(value) } else { line.append(UInt8(ascii: "-")) }
        }
        let bar = UInt8(ascii: "|")
        int(id); line.append(bar)
        int(symbol); line.append(bar)
        text(side.rawValue); line.append(bar)
        text(type.rawValue); line.append(bar)
        text(timeInForce.rawValue); line.append(bar)
        text(status.rawValue); line.append(bar)
        double(quantity); line.append(bar)
        double(filledQuantity); line.append(bar)
        double(averageFillPrice); line.append(bar)
        double(fees); line.append(bar)
        int(Int(createdAt)); line.append(bar)
        int(Int(updatedAt)); line.append(bar)
        double(limitPrice); line.append(bar)
        double(stopPrice); line.append(bar)
        optionalInt(ocoGroup); line.append(bar)
        optionalInt(parentId)
    }
}
