/// A trading strategy. Built-ins are structs; the engine runs them through a loop that is generic
/// over the concrete type, so hooks are statically dispatched and inlined.
///
/// Life cycle: `init(parameters:)` → `start` → for every bar (after the broker processed the bar's
/// open and range): `onBar` → `stop`. Order changes and trade openings/closings arrive through
/// `onOrderUpdate` and `onTrade` as soon as the broker reports them.
/// All time comes from `context.clock` (bar open times); strategies never read the wall clock.
public protocol Strategy {
    /// Registry name, e.g. `MovingAverageCross`.
    static var name: String { get }
    static var summary: String { get }
    static var parameters: [ParameterSpec] { get }
    /// False lets the engine skip queueing order and trade events (`onOrderUpdate`/`onTrade` are
    /// then never called). Default true.
    static var observesBrokerEvents: Bool { get }

    /// Cross-parameter rules beyond per-parameter bounds (e.g. fast < slow). Return problems as text.
    static func crossCheck(_ parameters: StrategyParameters) -> [String]

    /// Builds the strategy from validated parameters (see `StrategyRegistry.validate`).
    init(parameters: StrategyParameters, symbolCount: Int)

    mutating func start(context: inout StrategyContext)
    /// Bar `bar` of symbol `symbol` just closed.
    mutating func onBar(_ bar: Bar, symbol: Int, context: inout StrategyContext)
    mutating func onOrderUpdate(_ order: Order, context: inout StrategyContext)
    /// A round trip opened (`trade.isOpen`) or closed.
    mutating func onTrade(_ trade: Trade, context: inout StrategyContext)
    mutating func stop(context: inout StrategyContext)
}

extension Strategy {
    public static func crossCheck(_ parameters: StrategyParameters) -> [String] { [] }
    public static var observesBrokerEvents: Bool { true }
    public mutating func start(context: inout StrategyContext) {}
    public mutating func onOrderUpdate(_ order: Order, context: inout StrategyContext) {}
    public mutating func onTrade(_ trade: Trade, context: inout StrategyContext) {}
    public mutating func stop(context: inout StrategyContext) {}

    /// This strategy's registry entry.
    public static var descriptor: StrategyDescriptor {
        StrategyDescriptor(name: name, description: summary, parameters: parameters)
    }

    /// Validates `supplied` against `parameters` and `crossCheck`.
    public static func validate(_ supplied: [String: ParameterValue]) throws(TradingError) -> StrategyParameters {
        let resolved = try StrategyParameters.validate(supplied, schema: parameters, strategy: name)
        let problems = crossCheck(resolved)
        guard problems.isEmpty else {
            throw StrategyParameters.invalid(strategy: name, problems: problems, schema: parameters)
        }
        return resolved
    }
}
