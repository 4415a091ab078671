/// Names visible at one point of a script: a block, a function body, or the global scope.
final class Scope {
    enum Binding {
        case number(SeriesVariable, PineType)
        case string(StringVariable)
        case array(ArrayVariable, PineType)
        /// A variable that is never reassigned and whose value is known before the first bar
        /// (`length = input(14)`): folded into the code that reads it.
        case constant(CompiledValue)
        case function(FunctionDeclaration)
        /// A declaration that failed to compile: uses of the name report nothing more.
        case invalid
    }

    private var names: [String: Binding] = [:]
    let parent: Scope?
    /// The body of a user function: globals may be read but not reassigned from here.
    let isFunctionBody: Bool

    init(parent: Scope?, isFunctionBody: Bool = false) {
        self.parent = parent
        self.isFunctionBody = isFunctionBody || (parent?.isFunctionBody ?? false)
    }

    func lookup(_ name: String) -> Binding? {
        names[name] ?? parent?.lookup(name)
    }

    /// Whether `name` is declared in this scope or an enclosing one inside the same function.
    func isLocal(_ name: String) -> Bool {
        if names[name] != nil { return true }
        guard let parent, parent.isFunctionBody else { return false }
        return parent.isLocal(name)
    }

    func declaredHere(_ name: String) -> Bool { names[name] != nil }

    func declare(_ name: String, _ binding: Binding) {
        names[name] = binding
    }
}

/// A box for the per-call-site state of a built-in function (`ta.sma`'s window, `ta.ema`'s sum).
final class StateBox<State> {
    var state: State

    init(_ state: State) {
        self.state = state
    }
}

/// The outputs of one evaluation of a tuple-returning built-in (`ta.macd`, `ta.bb`, …).
final class TupleOutputs {
    var values: [Double]

    init(count: Int) {
        values = [Double](repeating: .nan, count: count)
    }
}
