/// The price penalty applied to every fill.
public enum SlippageModel: Sendable, Hashable {
    case none
    /// Buys fill at `price × (1 + bps / 10⁴)`, sells at `price × (1 − bps / 10⁴)`.
    case basisPoints(Double)

    /// The fill price for a trade on `side` at the reference `price`.
    @inline(__always)
    public func apply(to price: Double, side: Side) -> Double {
        switch self {
        case .none:
            return price
        case .basisPoints(let bps):
            let fraction = bps / 10_000
            return side == .buy ? price * (1 + fraction) : price * (1 - fraction)
        }
    }
}
