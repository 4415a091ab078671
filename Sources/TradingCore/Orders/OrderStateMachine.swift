/// The order life cycle as a plain value.
///
/// ```
/// submitted ──► accepted ──► partially_filled ──► filled
///     │            │  │  │          │  │  │
///     │            │  │  └► filled   │  │  └► partially_filled (another partial fill)
///     │            │  └► cancelled   │  └► cancelled
///     │            └► expired        └► expired
///     │            └► rejected (fill-time check: cash, position, dust)
///     └► rejected (submit-time check)
///     └► cancelled (cancelled before the broker accepted it)
/// ```
/// `filled`, `cancelled`, `rejected` and `expired` are terminal. Every other pair is illegal and
/// `transition(to:)` throws `OrderTransitionError` without changing anything.
public struct OrderStateMachine: Sendable, Hashable {
    public private(set) var state: OrderStatus

    public init(state: OrderStatus = .submitted) {
        self.state = state
    }

    /// True when `from → to` is a legal step.
    public static func isLegal(from: OrderStatus, to: OrderStatus) -> Bool {
        switch (from, to) {
        case (.submitted, .accepted), (.submitted, .rejected), (.submitted, .cancelled):
            true
        case (.accepted, .partiallyFilled), (.accepted, .filled), (.accepted, .cancelled),
             (.accepted, .rejected), (.accepted, .expired):
            true
        case (.partiallyFilled, .partiallyFilled), (.partiallyFilled, .filled),
             (.partiallyFilled, .cancelled), (.partiallyFilled, .expired):
            true
        default:
            false
        }
    }

    /// Returns the machine in state `next`, or throws when the step is illegal.
    public func transition(to next: OrderStatus) throws(OrderTransitionError) -> OrderStateMachine {
        guard Self.isLegal(from: state, to: next) else {
            throw OrderTransitionError(from: state, to: next)
        }
        return OrderStateMachine(state: next)
    }
}

/// An illegal order state change, e.g. `filled → cancelled`.
public struct OrderTransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let from: OrderStatus
    public let to: OrderStatus

    public init(from: OrderStatus, to: OrderStatus) {
        self.from = from
        self.to = to
    }

    public var description: String { "illegal order transition \(from.rawValue) → \(to.rawValue)" }
}
