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
        for order in orders {
            hasher.combine(order.canonicalText)
            hasher.combine(10)
        }
        return hasher.hex
    }
}
