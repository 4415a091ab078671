/// The direction of an order.
public enum Side: String, Sendable, Hashable, Codable, CaseIterable {
    case buy
    case sell
}
