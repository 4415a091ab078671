/// Parameter declarations shared by the built-in strategies.
enum CommonParameters {
    static let stake = ParameterSpec.float(
        "stake", default: 1.0, min: 0.0001, max: 1.0,
        "Fraction of the cash available at fill time spent on each entry, commission included.")
    static let stopLoss = ParameterSpec.float(
        "stop_loss", default: nil, min: 0.0001, max: 0.99,
        "Optional. Sell stop at entry × (1 − stop_loss), OCO with take_profit.")
    static let takeProfit = ParameterSpec.float(
        "take_profit", default: nil, min: 0.0001, max: 100,
        "Optional. Sell limit at entry × (1 + take_profit), OCO with stop_loss.")

    static func bracket(_ parameters: StrategyParameters) -> OrderRequest.Bracket? {
        let stopLoss = parameters.optionalDouble("stop_loss")
        let takeProfit = parameters.optionalDouble("take_profit")
        guard stopLoss != nil || takeProfit != nil else { return nil }
        return OrderRequest.Bracket(stopLoss: stopLoss, takeProfit: takeProfit)
    }
}
