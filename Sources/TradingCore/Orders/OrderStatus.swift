/// A step in an order's life cycle. `OrderStateMachine` says which steps may follow which.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case submitted
    case accepted
    case partiallyFilled = "partially_filled"
    case filled
    case cancelled
    case rejected
    case expired

    /// True for the states an order never leaves.
    public var isTerminal: Bool {
        switch self {
        case .filled, .cancelled, .rejected, .expired: true
        case .submitted, .accepted, .partiallyFilled: false
        }
    }

    /// True while the order can still fill.
    public var isWorking: Bool { self == .accepted || self == .partiallyFilled }
}
