/// Everything a backtest needs besides the bars. Encodes with the snake_case keys of the
/// `config` object in `GET /results`.
public struct BacktestConfiguration: Sendable, Hashable, Codable {
    public var strategyName: String
    public var parameters: [String: ParameterValue]
    /// Symbols to trade. The engine orders them ascending by `BASE/QUOTE` text; strategies see
    /// them in that order (symbol index 0 is the first).
    public var symbols: [TradingSymbol]
    public var timeframe: Timeframe
    public var initialCash: Double
    /// Taker commission: fraction of notional charged on market, stop and triggering stop-limit fills.
    public var commission: Double
    /// Maker commission for resting limit fills; `nil` = same as `commission`.
    public var makerCommission: Double?
    public var slippageBps: Double
    public var fillAt: FillTiming
    public var minimumQuantity: Double
    public var minimumNotional: Double
    /// Optional volume-participation cap (fraction of a bar's volume one order may fill); `nil` = off.
    public var volumeParticipation: Double?

    public init(
        strategyName: String, parameters: [String: ParameterValue] = [:], symbols: [TradingSymbol],
        timeframe: Timeframe, initialCash: Double = 10_000, commission: Double = 0.001,
        makerCommission: Double? = nil, slippageBps: Double = 0, fillAt: FillTiming = .nextOpen,
        minimumQuantity: Double = 0, minimumNotional: Double = 0, volumeParticipation: Double? = nil
    ) {
        self.strategyName = strategyName
        self.parameters = parameters
        self.symbols = symbols
        self.timeframe = timeframe
        self.initialCash = initialCash
        self.commission = commission
        self.makerCommission = makerCommission
        self.slippageBps = slippageBps
        self.fillAt = fillAt
        self.minimumQuantity = minimumQuantity
        self.minimumNotional = minimumNotional
        self.volumeParticipation = volumeParticipation
    }

    enum CodingKeys: String, CodingKey {
        case strategyName = "strategy_name"
        case parameters = "strategy_params"
        case symbols, timeframe, commission
        case initialCash = "initial_cash"
        case makerCommission = "maker_commission"
        case slippageBps = "slippage_bps"
        case fillAt = "fill_at"
        case minimumQuantity = "minimum_quantity"
        case minimumNotional = "minimum_notional"
        case volumeParticipation = "volume_participation"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        strategyName = try c.decode(String.self, forKey: .strategyName)
        parameters = try c.decodeIfPresent([String: ParameterValue].self, forKey: .parameters) ?? [:]
        symbols = try c.decode([TradingSymbol].self, forKey: .symbols)
        timeframe = try c.decode(Timeframe.self, forKey: .timeframe)
        initialCash = try c.decodeIfPresent(Double.self, forKey: .initialCash) ?? 10_000
        commission = try c.decodeIfPresent(Double.self, forKey: .commission) ?? 0.001
        makerCommission = try c.decodeIfPresent(Double.self, forKey: .makerCommission)
        slippageBps = try c.decodeIfPresent(Double.self, forKey: .slippageBps) ?? 0
        fillAt = try c.decodeIfPresent(FillTiming.self, forKey: .fillAt) ?? .nextOpen
        minimumQuantity = try c.decodeIfPresent(Double.self, forKey: .minimumQuantity) ?? 0
        minimumNotional = try c.decodeIfPresent(Double.self, forKey: .minimumNotional) ?? 0
        volumeParticipation = try c.decodeIfPresent(Double.self, forKey: .volumeParticipation)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(strategyName, forKey: .strategyName)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(symbols, forKey: .symbols)
        try c.encode(timeframe, forKey: .timeframe)
        try c.encode(initialCash, forKey: .initialCash)
        try c.encode(commission, forKey: .commission)
        try c.encode(makerCommission, forKey: .makerCommission)
        try c.encode(slippageBps, forKey: .slippageBps)
        try c.encode(fillAt, forKey: .fillAt)
        try c.encode(minimumQuantity, forKey: .minimumQuantity)
        try c.encode(minimumNotional, forKey: .minimumNotional)
        try c.encode(volumeParticipation, forKey: .volumeParticipation)
    }

    /// The broker settings this configuration describes.
    public var brokerConfiguration: BrokerConfiguration {
        BrokerConfiguration(
            initialCash: initialCash,
            feeModel: .proportional(maker: makerCommission ?? commission, taker: commission),
            fillModel: FillModel(timing: fillAt, slippage: slippageBps == 0 ? .none : .basisPoints(slippageBps), volumeParticipation: volumeParticipation),
            minimumQuantity: minimumQuantity,
            minimumNotional: minimumNotional)
    }

    /// Checks the numeric settings; throws `.invalidConfiguration` naming the field.
    public func validate() throws(TradingError) {
        func fail(_ field: String, _ rule: String) -> TradingError {
            TradingError(code: .invalidConfiguration, message: "\(field) \(rule)", details: ["field": .text(field)])
        }
        guard !symbols.isEmpty else { throw fail("symbols", "must list at least one symbol") }
        guard Set(symbols).count == symbols.count else { throw fail("symbols", "must not repeat a symbol") }
        guard initialCash.isFinite, initialCash > 0 else { throw fail("initial_cash", "must be a positive number") }
        guard commission.isFinite, commission >= 0, commission < 1 else { throw fail("commission", "must be in [0, 1)") }
        if let makerCommission {
            guard makerCommission.isFinite, makerCommission >= 0, makerCommission < 1 else { throw fail("maker_commission", "must be in [0, 1)") }
        }
        guard slippageBps.isFinite, slippageBps >= 0, slippageBps < 10_000 else { throw fail("slippage_bps", "must be in [0, 10000)") }
        guard minimumQuantity.isFinite, minimumQuantity >= 0 else { throw fail("minimum_quantity", "must be ≥ 0") }
        guard minimumNotional.isFinite, minimumNotional >= 0 else { throw fail("minimum_notional", "must be ≥ 0") }
        if let volumeParticipation {
            guard volumeParticipation.isFinite, volumeParticipation > 0, volumeParticipation <= 1 else {
                throw fail("volume_participation", "must be in (0, 1]")
            }
        }
    }
}
