import TradingCore

/// A compiled Pine script, ready to run on bars.
///
/// ```swift
/// let program = try PineProgram(source: text, inputs: ["Length": "21"], environment: .init(minTick: 0.01))
/// let result = try program.run(bars: bars)
/// ```
///
/// Compilation resolves every name and type and binds the inputs; a program runs once (make a new
/// one per run: its call sites keep their state).
public final class PineProgram {
    public let version: Int
    public let declaration: PineDeclaration
    public let inputs: [PineInputSpec]
    /// Warnings (errors make the initialiser throw).
    public let warnings: [PineDiagnostic]

    let body: StatementCode
    let perBarUpdates: VoidCode?
    let plots: [PlotRecorder]
    private let variables: [SeriesVariable]
    let environment: PineEnvironment
    var hasRun = false

    /// The versions of Pine this engine runs.
    public static let supportedVersions = 5...6

    /// Longest script accepted, in bytes of UTF-8.
    public static let maximumSourceBytes = 1 << 20

    public init(source: String, inputs overrides: [String: String] = [:], environment: PineEnvironment = PineEnvironment()) throws(PineCompileError) {
        guard source.utf8.count <= Self.maximumSourceBytes else {
            throw PineCompileError([PineDiagnostic(at: SourceLocation(line: 1, column: 1),
                "the script is \(source.utf8.count) bytes; at most \(Self.maximumSourceBytes) are accepted")])
        }
        var lexer = Lexer(source: source)
        lexer.tokenize()
        var diagnostics = lexer.diagnostics
        let version: Int
        if let declared = lexer.version {
            if !Self.supportedVersions.contains(declared) {
                throw PineCompileError([PineDiagnostic(at: lexer.versionLocation, length: 12,
                    "Pine v\(declared) is not supported: convert the script to v5 or v6 (TradingView's editor has 'Convert code to v5')")])
            }
            version = declared
        } else {
            throw PineCompileError([PineDiagnostic(at: SourceLocation(line: 1, column: 1),
                "the script has no //@version=5 or //@version=6 annotation (scripts without one are Pine v1)")])
        }
        var parser = Parser(tokens: lexer.tokens)
        let tree = parser.parseScript()
        diagnostics += parser.diagnostics
        let compiler = PineCompiler(version: version, environment: environment, inputs: overrides)
        let code = compiler.compileScript(tree)
        if let firstSyntaxError = diagnostics.filter({ $0.severity == .error }).map(\.line).min() {
            // Report what the compiler finds before the first syntax error too (after it, names
            // declared by the broken statements would only cause follow-on errors).
            diagnostics += compiler.diagnostics.filter { $0.line < firstSyntaxError }
            throw PineCompileError(diagnostics)
        }
        diagnostics += compiler.diagnostics
        if compiler.declaration.title.isEmpty, !diagnostics.contains(where: { $0.severity == .error }) {
            diagnostics.append(PineDiagnostic(at: SourceLocation(line: 1, column: 1),
                "the script needs a declaration: strategy(\"Title\", …) or indicator(\"Title\", …)"))
        }
        let unknown = Set(overrides.keys).subtracting(compiler.usedOverrides)
        for name in unknown.sorted() {
            let names = compiler.inputs.map { input in input.variable.map { "\(input.title) / \($0)" } ?? input.title }
            diagnostics.append(PineDiagnostic(at: SourceLocation(line: 1, column: 1),
                "the script has no input named '\(name)'; its inputs are: \(names.isEmpty ? "none" : names.joined(separator: ", "))"))
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw PineCompileError(diagnostics) }

        self.version = version
        declaration = compiler.declaration
        inputs = compiler.inputs
        warnings = diagnostics.filter { $0.severity == .warning }
        body = sequence(code)
        let updates = compiler.perBarUpdates
        perBarUpdates = updates.isEmpty ? nil : { runtime in for update in updates { update(runtime) } }
        plots = compiler.plots
        variables = compiler.variables
        self.environment = environment
        for variable in variables { variable.allocate() }
    }

    /// Checks a script and returns every diagnostic (empty when it compiles cleanly).
    public static func check(source: String, environment: PineEnvironment = PineEnvironment()) -> [PineDiagnostic] {
        do {
            return try PineProgram(source: source, environment: environment).warnings
        } catch {
            return error.diagnostics
        }
    }

    /// Runs the script over `bars` (oldest first) and returns its trades, plots and statistics.
    public func run(bars: [Bar]) throws(PineRuntimeError) -> PineRunResult {
        precondition(!hasRun, "a PineProgram runs once; compile a new one for another run")
        hasRun = true
        let runtime = PineRuntime()
        runtime.bars = bars
        runtime.lastBarIndex = bars.count - 1
        runtime.loopBudgetPerBar = PineCompiler.loopIterationBudget
        runtime.barDurationMilliseconds = environment.timeframe?.milliseconds
            ?? (bars.count > 1 ? bars[1].openTime - bars[0].openTime : 0)
        var broker: TradingViewBroker?
        if declaration.kind == .strategy {
            broker = TradingViewBroker(properties: declaration.properties)
            runtime.broker = broker
        }
        let body = self.body
        let updates = self.perBarUpdates
        let plots = self.plots
        bars.withUnsafeBufferPointer { storage in
            guard let base = storage.baseAddress else { return }
            runtime.barStorage = base
            for index in 0..<storage.count {
                runtime.barIndex = index
                runtime.loopBudget = runtime.loopBudgetPerBar
                broker?.beginBar(base[index], index: index)
                updates?(runtime)
                _ = body(runtime)
                if runtime.error != nil { return }
                broker?.endBar()
                // A plot call that did not run on this bar (inside an if) plots na there.
                for plot in plots where plot.values.count < index + 1 { plot.values.append(.nan) }
            }
        }
        if let error = runtime.error { throw error }
        broker?.finish()
        return PineRunResult(
            declaration: declaration,
            closedTrades: broker?.closedTrades ?? [],
            openTrades: broker?.openTrades ?? [],
            plots: plots.map { PinePlot(title: $0.title, values: $0.values) },
            statistics: broker.map(PineStrategyStatistics.init) ?? nil,
            barCount: bars.count)
    }
}

/// What a run produced.
public struct PineRunResult: Sendable {
    public var declaration: PineDeclaration
    /// Closed trades in TradingView's order, then the trades still open at the end.
    public var closedTrades: [TradingViewTrade]
    public var openTrades: [TradingViewTrade]
    public var plots: [PinePlot]
    public var statistics: PineStrategyStatistics?
    public var barCount: Int
}

/// The strategy's summary as TradingView's Strategy Tester shows it.
public struct PineStrategyStatistics: Sendable {
    public var initialCapital: Double
    public var netProfit: Double
    public var openProfit: Double
    public var equity: Double
    public var grossProfit: Double
    public var grossLoss: Double
    public var maxDrawdown: Double
    public var maxRunup: Double
    public var closedTrades: Int
    public var winningTrades: Int
    public var losingTrades: Int
    public var evenTrades: Int

    init(_ broker: TradingViewBroker) {
        initialCapital = broker.initialCapital
        netProfit = broker.netProfit
        openProfit = broker.openProfit
        equity = broker.equity
        grossProfit = broker.grossProfit
        grossLoss = broker.grossLoss
        maxDrawdown = broker.maxDrawdown
        maxRunup = broker.maxRunup
        closedTrades = broker.closedTrades.count
        winningTrades = broker.winTrades
        losingTrades = broker.lossTrades
        evenTrades = broker.evenTrades
    }
}
