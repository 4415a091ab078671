/// The built-in strategies by name.
public enum StrategyRegistry {
    /// Every built-in strategy type, in listing order.
    public static var strategyTypes: [any Strategy.Type] {[
        MovingAverageCross.self,
        MeanReversion.self,
        Breakout.self,
        Momentum.self,
        MACDTrend.self,
        BollingerReversion.self,
        BuyAndHold.self,
        TestStrategy.self,
    ]}

    /// Names, descriptions and parameter schemas (what `GET /strategies` shows).
    public static var descriptors: [StrategyDescriptor] {
        strategyTypes.map { $0.descriptor }
    }

    public static var names: [String] { strategyTypes.map { $0.name } }

    /// The strategy type called `name`, or `.unknownStrategy` listing the available names.
    public static func strategyType(named name: String) throws(TradingError) -> any Strategy.Type {
        guard let type = strategyTypes.first(where: { $0.name == name }) else {
            throw TradingError(
                code: .unknownStrategy,
                message: "unknown strategy '\(name)'; available: \(names.joined(separator: ", "))",
                details: ["strategy": .text(name), "available": .list(names)])
        }
        return type
    }

    /// Validates `parameters` for strategy `name`; returns them with defaults filled in.
    public static func validate(name: String, parameters: [String: ParameterValue]) throws(TradingError) -> StrategyParameters {
        try strategyType(named: name).validate(parameters)
    }
}
