import TradingCore

/// What a runtime error says and where: loop budget, history depth, array bounds.
public struct PineRuntimeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var barIndex: Int

    public var description: String { "runtime error on bar \(barIndex) at \(line):\(column): \(message)" }
}

/// The mutable state a compiled script runs against, bar by bar. Compiled closures capture their
/// own variables directly; this holds what every closure shares: the bars, the bar index, the
/// broker and the loop budget.
final class PineRuntime {
    var bars: [Bar] = []
    /// The bars' storage, valid while `PineProgram.run` runs: closures read bars without the
    /// array's bounds checks and reference counting.
    var barStorage: UnsafePointer<Bar> = UnsafePointer(bitPattern: 8)!
    var barIndex = 0
    var broker: TradingViewBroker?
    /// Loop iterations left on this bar; a loop that runs out stops the script with an error.
    var loopBudget = 0
    var loopBudgetPerBar = 0
    var error: PineRuntimeError?
    var lastBarIndex = 0
    /// The chart timeframe's bar length, for `time_close`.
    var barDurationMilliseconds: Int64 = 0

    @inline(__always) var bar: Bar { barStorage[barIndex] }

    func fail(_ message: String, at location: SourceLocation) {
        if error == nil {
            error = PineRuntimeError(message: message, line: location.line, column: location.column, barIndex: barIndex)
        }
        loopBudget = Int.min / 2
    }
}

typealias NumberCode = (PineRuntime) -> Double
typealias BoolCode = (PineRuntime) -> Bool
typealias StringCode = (PineRuntime) -> String
typealias ArrayCode = (PineRuntime) -> PineArray?
typealias VoidCode = (PineRuntime) -> Void

/// What a statement tells the enclosing loop.
enum ControlFlow {
    case normal
    case breakLoop
    case continueLoop
}

typealias StatementCode = (PineRuntime) -> ControlFlow

/// A statement's closure held in an array. Closures stored directly in an array (a generic
/// container) are reabstracted — every call then goes through conversion thunks; a struct field
/// keeps the closure's own calling convention.
struct Step {
    let run: StatementCode

    init(_ run: @escaping StatementCode) {
        self.run = run
    }
}

/// A compile-time value (const or simple, known before the first bar: literals, inputs and
/// arithmetic on them).
enum ConstantValue: Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    case string(String)
}

/// A compiled expression: its type and the closure that evaluates it.
struct CompiledValue {
    enum Code {
        case number(NumberCode)
        case bool(BoolCode)
        case string(StringCode)
        case array(ArrayCode)
        case void(VoidCode)
        case tuple([CompiledValue])
    }

    var type: PineType
    var code: Code
    /// Known before the first bar; lets lengths and `strategy()` arguments be checked at compile time.
    var constant: ConstantValue?
    /// The literal `na` (untyped until it meets a context).
    var isNA = false
    /// An `input.source()` or a built-in price series, for `input.source` and `ta.*` sources.
    var sourceName: String?
    /// Does nothing when run (declarations, drawing calls): dropped from the per-bar code.
    var isNoOp = false
    /// A read of this series variable (lets operators read it without a closure call).
    var variable: SeriesVariable?
    /// For tuples: the one evaluation (a function body, a `ta.macd` step) whose results the parts read.
    var prepare: VoidCode?

    static func number(_ type: PineType = .float, _ code: @escaping NumberCode, constant: Double? = nil) -> CompiledValue {
        CompiledValue(type: type, code: .number(code), constant: constant.map { .number($0) })
    }

    static func constantNumber(_ value: Double, type: PineType = .float) -> CompiledValue {
        CompiledValue(type: type, code: .number { _ in value }, constant: .number(value))
    }

    static func constantBool(_ value: Bool) -> CompiledValue {
        CompiledValue(type: .bool, code: .bool { _ in value }, constant: .bool(value))
    }

    static func constantString(_ value: String) -> CompiledValue {
        CompiledValue(type: .string, code: .string { _ in value }, constant: .string(value))
    }

    static func bool(_ code: @escaping BoolCode) -> CompiledValue {
        CompiledValue(type: .bool, code: .bool(code))
    }

    static func string(_ code: @escaping StringCode) -> CompiledValue {
        CompiledValue(type: .string, code: .string(code))
    }

    static func void(_ code: @escaping VoidCode) -> CompiledValue {
        CompiledValue(type: .void, code: .void(code))
    }

    /// A call with no effect at run time (`strategy()`, `indicator()`, `plotshape()`, …).
    static var noOp: CompiledValue {
        var value = CompiledValue(type: .void, code: .void { _ in })
        value.isNoOp = true
        return value
    }

    static var na: CompiledValue { CompiledValue(type: .float, code: .number { _ in .nan }, constant: .number(.nan), isNA: true) }
}
