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
        var hasher = FNV1a()
        hashCanonicalLines(orders[...], into: &hasher)
        return hasher.hex
    }

    /// Feeds every order's canonical line (`canonicalText` + "\n") to `hasher`, formatting the
    /// lines into one reused buffer (no string per field).
    static func hashCanonicalLines(_ orders: ArraySlice<Order>, into hasher: inout FNV1a) {
        let line = JSONByteBuffer(capacity: 256)
        for order in orders {
            line.count = 0
            _ = order.appendCanonicalLine(to: line)
            hasher.combine(line)
        }
    }

    /// Where the doubles the order's JSON shares with its canonical line were written (offsets
    /// into the line's buffer; `nil` for an absent quantity), so the document writer formats each
    /// double once for both (JSON's form is the same text without a trailing `.0`).
    struct CanonicalNumbers {
        var quantity: Range<Int>?
        var filledQuantity: Range<Int>
        var averageFillPrice: Range<Int>
        var fees: Range<Int>
    }

    /// Appends the UTF-8 bytes of `canonicalText` and a newline.
    @discardableResult
    func appendCanonicalLine(to out: JSONByteBuffer) -> CanonicalNumbers {
        @inline(__always) func int(_ value: Int) { out.appendDecimal(value) }
        @inline(__always) func text(_ value: String) {
            var value = value
            value.withUTF8 { out.append($0) }
        }
        @inline(__always) func double(_ value: Double) -> Range<Int> {
            let start = out.count
            DoubleText.append(value, dropsZeroFraction: false, to: out)
            return start..<out.count
        }
        @inline(__always) func optionalDouble(_ value: Double?) -> Range<Int>? {
            guard let value else { out.append(UInt8(ascii: "-")); return nil }
            return double(value)
        }
        @inline(__always) func optionalInt(_ value: Int?) {
            if let value { int(value) } else { out.append(UInt8(ascii: "-")) }
        }
        let bar = UInt8(ascii: "|")
        int(id); out.append(bar)
        int(symbol); out.append(bar)
        text(side.rawValue); out.append(bar)
        text(type.rawValue); out.append(bar)
        text(timeInForce.rawValue); out.append(bar)
        text(status.rawValue); out.append(bar)
        let quantityText = optionalDouble(quantity); out.append(bar)
        // A filled order's quantities are the same double: its text is copied, not formatted again.
        let filledText: Range<Int>
        if let quantityText, quantity?.bitPattern == filledQuantity.bitPattern {
            let start = out.count
            out.appendCopy(of: quantityText)
            filledText = start..<out.count
        } else {
            filledText = double(filledQuantity)
        }
        out.append(bar)
        let averageText = double(averageFillPrice); out.append(bar)
        let feesText = double(fees); out.append(bar)
        int(Int(createdAt)); out.append(bar)
        int(Int(updatedAt)); out.append(bar)
        _ = optionalDouble(limitPrice); out.append(bar)
        _ = optionalDouble(stopPrice); out.append(bar)
        optionalInt(ocoGroup); out.append(bar)
        optionalInt(parentId)
        out.append(10)
        return CanonicalNumbers(quantity: quantityText, filledQuantity: filledText, averageFillPrice: averageText, fees: feesText)
    }
}
