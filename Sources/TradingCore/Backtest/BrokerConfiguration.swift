/// Everything the simulated broker needs to know.
public struct BrokerConfiguration: Sendable, Hashable {
    public var initialCash: Double
    public var feeModel: FeeModel
    public var fillModel: FillModel
    /// Orders whose quantity is below this are rejected (dust rule). 0 = no minimum.
    public var minimumQuantity: Double
    /// Orders whose notional (quantity × price) is below this are rejected (dust rule). 0 = no minimum.
    public var minimumNotional: Double

    public init(
        initialCash: Double = 10_000, feeModel: FeeModel = .standard, fillModel: FillModel = FillModel(),
        minimumQuantity: Double = 0, minimumNotional: Double = 0
    ) {
        self.initialCash = initialCash
        self.feeModel = feeModel
        self.fillModel = fillModel
        self.minimumQuantity = minimumQuantity
        self.minimumNotional = minimumNotional
    }
}
