/// Commission charged on each fill, in quote currency.
///
/// An enum rather than a protocol so that the broker's hot path never calls through an existential.
public enum FeeModel: Sendable, Hashable {
    /// A fraction of the fill's notional: `maker` for resting limit fills, `taker` for market,
    /// stop, and stop-limit fills on their triggering bar.
    case proportional(maker: Double, taker: Double)
    /// No commission.
    case zero

    /// The default of the contract: 0.1 % for both sides.
    public static let standard = FeeModel.proportional(maker: 0.001, taker: 0.001)

    /// The fraction of notional charged.
    @inline(__always)
    public func rate(isMaker: Bool) -> Double {
        switch self {
        case .proportional(let maker, let taker): isMaker ? maker : taker
        case .zero: 0
        }
    }

    /// The fee for a fill of `notional` quote currency.
    @inline(__always)
    public func fee(notional: Double, isMaker: Bool) -> Double {
        notional * rate(isMaker: isMaker)
    }
}
