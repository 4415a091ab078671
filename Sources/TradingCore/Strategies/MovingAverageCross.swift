/// Long-only SMA crossover. See `docs/strategies.md`.
///
/// - Cross up (fast − slow turns positive after its last non-zero value was negative) while flat:
///   market buy spending `stake` of the cash available at fill time, with an optional OCO bracket.
/// - Cross down while holding: market sell of the whole position.
/// An exact tie (fast == slow) neither creates nor loses a signal.
public struct MovingAverageCross: Strategy {
    public static let name = "MovingAverageCross"
    public static let summary = "Buys when the fast SMA crosses above the slow SMA, sells the whole position when it crosses below."
    public static var observesBrokerEvents: Bool { false }
    public static let parameters: [ParameterSpec] = [
        .int("fast_period", default: 10, min: 1, max: 10_000, "Fast simple moving average period (bars); must be below slow_period."),
        .int("slow_period", default: 30, min: 2, max: 10_000, "Slow simple moving average period (bars)."),
        CommonParameters.stake,
        CommonParameters.stopLoss,
        CommonParameters.takeProfit,
    ]

    public static func crossCheck(_ parameters: StrategyParameters) -> [String] {
        let fast = parameters.int("fast_period"), slow = parameters.int("slow_period")
        return fast < slow ? [] : ["fast_period (\(fast)) must be less than slow_period (\(slow))"]
    }

    struct SymbolState {
        var fast: SimpleMovingAverage
        var slow: SimpleMovingAverage
        var cross = CrossOver()
    }

    /// Symbol 0 lives inline (no array access in the single-symbol hot loop); others in `others`.
    var primary: SymbolState
    var others: [SymbolState]
    let stake: Double
    let bracket: OrderRequest.Bracket?

    public init(parameters: StrategyParameters, symbolCount: Int) {
        let fast = parameters.int("fast_period"), slow = parameters.int("slow_period")
        primary = SymbolState(fast: SimpleMovingAverage(period: fast), slow: SimpleMovingAverage(period: slow))
        others = Array(repeating: primary, count: max(symbolCount - 1, 0))
        stake = parameters.double("stake")
        bracket = CommonParameters.bracket(parameters)
    }

    @inline(__always)
    public mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext) {
        if symbol == 0 {
            Self.step(&primary, bar: bar, symbol: symbol, stake: stake, bracket: bracket, context: &context)
        } else {
            Self.step(&others[symbol - 1], bar: bar, symbol: symbol, stake: stake, bracket: bracket, context: &context)
        }
    }

    @inline(__always)
    static func step(
        _ state: inout SymbolState, bar: Bar, symbol: Int, stake: Double, bracket: OrderRequest.Bracket?, context: inout StrategyContext
    ) {
        state.fast.update(bar.close)
        state.slow.update(bar.close)
        guard state.slow.isReady, state.fast.isReady else { return }
        state.cross.update(fast: state.fast.value, slow: state.slow.value)
        if state.cross.crossedUp {
            if context.positionSize(symbol) == 0 {
                context.buy(symbol: symbol, stake: stake, bracket: bracket)
            }
        } else if state.cross.crossedDown {
            if context.positionSize(symbol) > 0 {
                context.closePosition(symbol: symbol)
            }
        }
    }
}
