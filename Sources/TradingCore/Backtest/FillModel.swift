/// How the simulated broker turns a bar into fills: timing of market orders, slippage, and an
/// optional cap on the quantity one order may fill per bar.
public struct FillModel: Sendable, Hashable {
    public var timing: FillTiming
    public var slippage: SlippageModel
    /// When set, one order fills at most `volumeParticipation × bar.volume` per bar; the rest stays
    /// working (GTC), expires (IOC), or the whole order expires unfilled (FOK). `nil` = no cap.
    public var volumeParticipation: Double?

    public init(timing: FillTiming = .nextOpen, slippage: SlippageModel = .none, volumeParticipation: Double? = nil) {
        self.timing = timing
        self.slippage = slippage
        self.volumeParticipation = volumeParticipation
    }
}
