import TradingCore

/// How many bars of history a live (paper) run replays through the script before its first live
/// bar, and why that many.
///
/// - `max_bars_back` when the declaration sets it (`strategy(…, max_bars_back=300)`);
/// - else the longest lookback the source proves: the largest constant length given to a `ta.*`
///   function (`ta.sma(close, 50)`, or through an input or a constant variable:
///   `len = input.int(50)`) or constant history offset (`close[20]`);
/// - else ``defaultBars``.
public struct PineWarmUp: Sendable, Hashable {
    public enum Basis: String, Sendable {
        case maxBarsBack = "max_bars_back"
        case lookback
        case defaultBars = "default"
    }

    public var bars: Int
    public var basis: Basis

    /// Warm-up when the script neither sets `max_bars_back` nor proves a lookback.
    public static let defaultBars = 500

    public init(bars: Int, basis: Basis) {
        self.bars = bars
        self.basis = basis
    }

    /// The warm-up of `source` run with `inputs` (the compiled program's inputs, which carry the
    /// values this run uses). A source that does not parse gets the default.
    public static func of(source: String, inputs: [PineInputSpec] = []) -> PineWarmUp {
        var lexer = Lexer(source: source)
        lexer.tokenize()
        var parser = Parser(tokens: lexer.tokens)
        let tree = parser.parseScript()
        var scan = LookbackScan()
        for input in inputs {
            if let variable = input.variable, let value = Double(input.value), value.isFinite { scan.constants[variable] = value }
        }
        scan.collectConstants(tree)
        scan.walk(tree)
        let cap = PineCompiler.maximumBarsBack
        if let declared = scan.maxBarsBack, declared >= 1 { return PineWarmUp(bars: min(declared, cap), basis: .maxBarsBack) }
        if scan.lookback >= 1 { return PineWarmUp(bars: min(scan.lookback, cap), basis: .lookback) }
        return PineWarmUp(bars: defaultBars, basis: .defaultBars)
    }
}

/// Walks the syntax tree for constant lengths and offsets.
private struct LookbackScan {
    /// Top-level names bound once to a constant (literals, inputs, arithmetic on them).
    var constants: [String: Double] = [:]
    var lookback = 0
    var maxBarsBack: Int?

    /// `name = <constant>` at the top level, in order (a name assigned twice is not a constant).
    mutating func collectConstants(_ statements: [Statement]) {
        var assignedAgain = Set<String>()
        for statement in statements {
            switch statement {
            case .declaration(_, _, let name, let value, _):
                if constants[name] == nil, let number = evaluate(value) { constants[name] = number }
            case .assignment(let name, _, _, _):
                assignedAgain.insert(name)
            default:
                break
            }
        }
        for name in assignedAgain { constants[name] = nil }
    }

    func evaluate(_ expr: Expr) -> Double? {
        switch expr {
        case .intLiteral(let value, _): return Double(value)
        case .floatLiteral(let value, _): return value
        case .name(let name, _, _): return constants[name]
        case .unary(.negate, let inner, _): return evaluate(inner).map { -$0 }
        case .unary(.plus, let inner, _): return evaluate(inner)
        case .binary(let op, let left, let right, _):
            guard let a = evaluate(left), let b = evaluate(right) else { return nil }
            switch op {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply: return a * b
            case .divide: return b == 0 ? nil : a / b
            default: return nil
            }
        case .call(let callee, _, let arguments, _, _) where callee.hasPrefix("input"):
            // An input not bound to a variable (`ta.sma(close, input.int(20))`): its default.
            guard let first = arguments.first(where: { $0.label == nil || $0.label == "defval" }) else { return nil }
            return evaluate(first.value)
        case .call(let callee, _, let arguments, _, _) where callee == "int" || callee == "float":
            return arguments.first.flatMap { evaluate($0.value) }
        default: return nil
        }
    }

    mutating func note(_ value: Double?) {
        guard let value, value.isFinite, value >= 1, value <= Double(PineCompiler.maximumBarsBack) else { return }
        lookback = max(lookback, Int(value.rounded(.up)))
    }

    mutating func walk(_ statements: [Statement]) {
        for statement in statements { walk(statement) }
    }

    mutating func walk(_ statement: Statement) {
        switch statement {
        case .declaration(_, _, _, let value, _), .tupleDeclaration(_, let value, _), .assignment(_, _, let value, _):
            walk(value)
        case .expression(let expr): walk(expr)
        case .ifStatement(let s): walk(s)
        case .switchStatement(let s): walk(s)
        case .forStatement(let s): walk(s)
        case .whileStatement(let condition, let body, _):
            walk(condition)
            walk(body)
        case .breakStatement, .continueStatement: break
        case .function(let f): walk(f.body)
        }
    }

    mutating func walk(_ s: IfStatement) {
        walk(s.condition)
        walk(s.then)
        if let otherwise = s.otherwise { walk(otherwise) }
    }

    mutating func walk(_ s: SwitchStatement) {
        if let subject = s.subject { walk(subject) }
        for item in s.cases {
            if let match = item.match { walk(match) }
            walk(item.body)
        }
    }

    mutating func walk(_ s: ForStatement) {
        switch s.range {
        case .count(let from, let to, let by):
            walk(from)
            walk(to)
            if let by { walk(by) }
        case .each(let collection): walk(collection)
        }
        walk(s.body)
    }

    mutating func walk(_ expr: Expr) {
        switch expr {
        case .call(let callee, _, let arguments, _, _):
            if callee == "strategy" || callee == "indicator",
               let value = arguments.first(where: { $0.label == "max_bars_back" }).flatMap({ evaluate($0.value) }), value >= 1 {
                maxBarsBack = Int(value)
            }
            if callee.hasPrefix("ta.") {
                // Lengths are the integer arguments; a source (close, an expression) is not constant.
                for argument in arguments { note(evaluate(argument.value)) }
            }
            for argument in arguments { walk(argument.value) }
        case .history(let inner, let offset, _):
            note(evaluate(offset))
            walk(inner)
            walk(offset)
        case .unary(_, let inner, _): walk(inner)
        case .binary(_, let left, let right, _):
            walk(left)
            walk(right)
        case .ternary(let a, let b, let c, _):
            walk(a)
            walk(b)
            walk(c)
        case .tuple(let items, _): for item in items { walk(item) }
        case .ifExpr(let s): walk(s)
        case .switchExpr(let s): walk(s)
        case .forExpr(let s): walk(s)
        case .member(let inner, _, _): walk(inner)
        case .intLiteral, .floatLiteral, .boolLiteral, .stringLiteral, .colorLiteral, .na, .name: break
        }
    }
}

/// A script run bar by bar as bars arrive (paper runs): first over history (the warm-up), then one
/// live bar at a time.
///
/// Each bar runs the same per-bar steps as `PineProgram.run(bars:)`, so indicators, `var` state and
/// plots over warm-up + live bars are exactly those of one run over all of them. The strategy
/// starts flat at the first live bar: when the warm-up ends, the broker is replaced by a fresh one
/// (initial capital, no position, no pending orders, no trades), so orders placed during the
/// warm-up — including one placed on its last bar to fill at the next open — never fill.
///
/// `last_bar_index` and `barstate.islast` are the newest bar so far: the last history bar during
/// the warm-up, then each live bar as it runs. `barstate.isrealtime` stays false (every bar is a
/// closed candle, as in a backtest).
public final class PineLiveRun {
    public let program: PineProgram
    /// Bars replayed before the first live bar.
    public let warmUpCount: Int
    private let runtime = PineRuntime()
    public private(set) var broker: TradingViewBroker?

    /// Compiles nothing: `program` must not have run. Replays `history` (oldest first), then
    /// resets the strategy to flat.
    ///
    /// - Parameter ordersOnClose: run the strategy as if it declared `process_orders_on_close =
    ///   true` (market orders fill at the close of the bar that placed them). A script trading on
    ///   a venue sends its orders when a bar closes, so that is when its model must fill them.
    public init(program: PineProgram, history: [Bar], ordersOnClose: Bool = false) throws(PineRuntimeError) {
        precondition(!program.hasRun, "a PineProgram runs once; compile a new one for another run")
        program.hasRun = true
        self.program = program
        warmUpCount = history.count
        runtime.loopBudgetPerBar = PineCompiler.loopIterationBudget
        runtime.barDurationMilliseconds = program.environment.timeframe?.milliseconds
            ?? (history.count > 1 ? history[1].openTime - history[0].openTime : 0)
        runtime.bars.reserveCapacity(history.count + 1_024)
        var properties = program.declaration.properties
        if ordersOnClose { properties.processOrdersOnClose = true }
        if program.declaration.kind == .strategy {
            broker = TradingViewBroker(properties: properties)
            runtime.broker = broker
        }
        for bar in history {
            runtime.lastBarIndex = history.count - 1
            try advance(bar)
        }
        if program.declaration.kind == .strategy {
            broker = TradingViewBroker(properties: properties)
            runtime.broker = broker
        }
    }

    /// Bars run so far (warm-up + live).
    public var barCount: Int { runtime.bars.count }
    /// Live bars run so far.
    public var liveBarCount: Int { runtime.bars.count - warmUpCount }

    /// Runs one live bar (its open time must be after the previous bar's) and returns the account
    /// after it. After a runtime error the run cannot go on.
    @discardableResult
    public func step(_ bar: Bar) throws(PineRuntimeError) -> PineBarSnapshot {
        runtime.lastBarIndex = runtime.bars.count
        try advance(bar)
        return snapshot
    }

    /// The account after the latest bar (initial capital before the first live bar).
    public var snapshot: PineBarSnapshot {
        let index = runtime.bars.count - 1
        if let broker {
            return PineBarSnapshot(
                barIndex: index, equity: broker.equity, realizedEquity: broker.initialCapital + broker.netProfit,
                positionSize: broker.positionSize, closedTrades: broker.closedTradeCount)
        }
        let capital = program.declaration.properties.initialCapital
        return PineBarSnapshot(barIndex: index, equity: capital, realizedEquity: capital, positionSize: 0, closedTrades: 0)
    }

    /// The live part so far: trades since the first live bar, and plots with one value per live bar
    /// (`barCount` is the live bar count).
    public var result: PineRunResult {
        let live = liveBarCount
        return PineRunResult(
            declaration: program.declaration,
            closedTrades: broker?.closedTrades ?? [],
            openTrades: broker?.openTrades ?? [],
            plots: program.plots.map { PinePlot(title: $0.title, values: Array($0.values.suffix(live))) },
            statistics: broker.map(PineStrategyStatistics.init) ?? nil,
            barCount: live)
    }

    /// The live trades so far without the plots (cheap enough to take every bar).
    public var trades: PineRunResult {
        PineRunResult(
            declaration: program.declaration, closedTrades: broker?.closedTrades ?? [], openTrades: broker?.openTrades ?? [],
            plots: [], statistics: nil, barCount: liveBarCount)
    }

    /// Plots over warm-up and live bars (one value per bar run).
    public var allPlots: [PinePlot] {
        program.plots.map { PinePlot(title: $0.title, values: $0.values) }
    }

    private func advance(_ bar: Bar) throws(PineRuntimeError) {
        if let error = runtime.error { throw error }
        let index = runtime.bars.count
        runtime.bars.append(bar)
        let runtime = self.runtime
        let broker = self.broker
        let body = program.body
        let updates = program.perBarUpdates
        let plots = program.plots
        runtime.bars.withUnsafeBufferPointer { storage in
            guard let base = storage.baseAddress else { return }
            runtime.barStorage = base
            runtime.barIndex = index
            runtime.loopBudget = runtime.loopBudgetPerBar
            broker?.beginBar(base[index], index: index)
            updates?(runtime)
            _ = body(runtime)
            if runtime.error != nil { return }
            broker?.endBar()
            for plot in plots where plot.values.count < index + 1 { plot.values.append(.nan) }
        }
        if let error = runtime.error { throw error }
    }
}
