import Testing
import TradingCore
@testable import PineScript

/// Every kind of bad script: the exact line, column and message, several at once, and the
/// rendered source line with its caret.
@Suite("Pine diagnostics")
struct DiagnosticsTests {
    func only(_ source: String, inputs: [String: String] = [:]) -> PineDiagnostic? {
        let found = diagnostics(source, inputs: inputs)
        #expect(found.count == 1, "\(found)")
        return found.first
    }

    @Test func versionIsRequiredAndOldVersionsRefused() {
        let missing = only("indicator(\"x\")\nplot(close)")
        #expect(missing?.message == "the script has no //@version=5 or //@version=6 annotation (scripts without one are Pine v1)")
        let old = only("//@version=4\nstudy(\"x\")")
        #expect(old?.line == 1 && old?.column == 1)
        #expect(old?.message == "Pine v4 is not supported: convert the script to v5 or v6 (TradingView's editor has 'Convert code to v5')")
    }

    @Test func undeclaredIdentifierWithPosition() {
        let d = only("//@version=5\nindicator(\"x\")\nplot(clsoe)")
        #expect(d?.line == 3 && d?.column == 6 && d?.endColumn == 11)
        #expect(d?.message == "undeclared identifier 'clsoe'; did you mean 'close'?")
        let far = only("//@version=5\nindicator(\"x\")\nplot(mySeries)")
        #expect(far?.message == "undeclared identifier 'mySeries'")
    }

    @Test func unsupportedFeaturesAreNamed() {
        let security = only("//@version=5\nindicator(\"x\")\nx = request.security(syminfo.tickerid, \"D\", close)\nplot(x)")
        #expect(security?.message == "request.security is not supported yet")
        #expect(security?.line == 3 && security?.column == 5)
        let type = only("//@version=5\nindicator(\"x\")\ntype Point\n    float x\nplot(close)")
        #expect(type?.message == "'type' (libraries, methods and user-defined types) is not supported yet")
        let unknown = only("//@version=5\nindicator(\"x\")\nplot(foo(close))")
        #expect(unknown?.message == "could not find function or function reference 'foo'")
        let typo = only("//@version=5\nstrategy(\"x\")\nstrategy.entry(\"L\", strategy.lon)")
        #expect(typo?.message == "undeclared identifier 'strategy.lon'; did you mean 'strategy.long'?")
        let functionTypo = only("//@version=5\nindicator(\"x\")\nplot(ta.smaa(close, 3))")
        #expect(functionTypo?.message == "could not find function 'ta.smaa'; did you mean 'ta.sma'?")
        let missing = only("//@version=5\nindicator(\"x\")\nparts = str.split(\"a,b\", \",\")\nplot(close)")
        #expect(missing?.message == "str.split is not supported yet")
    }

    @Test func reassignmentRules() {
        let undeclared = only("//@version=5\nindicator(\"x\")\ny := 1\nplot(close)")
        #expect(undeclared?.message == "undeclared identifier 'y': declare it with '=' before reassigning it with ':='")
        let twice = only("//@version=5\nindicator(\"x\")\na = 1\na = 2\nplot(a)")
        #expect(twice?.message == "'a' is already declared in this scope; use ':=' to assign a new value")
        #expect(twice?.line == 4)
        let global = only("//@version=5\nindicator(\"x\")\nvar g = 0\nf() =>\n    g := 1\n    g\nplot(f())")
        #expect(global?.message == "cannot modify the global variable 'g' in a function")
    }

    @Test func typeErrors() {
        let stringPlusNumber = only("//@version=5\nindicator(\"x\")\ns = \"a\" + 1\nplot(close)")
        #expect(stringPlusNumber?.message == "expected a string, found int")
        let naType = only("//@version=5\nindicator(\"x\")\nx = na\nplot(close)")
        #expect(naType?.message == "cannot infer the type of 'x' from 'na': declare it with a type, e.g. 'float x = na'")
        let branches = only("//@version=5\nindicator(\"x\")\nx = close > 1 ? \"a\" : 1\nplot(close)")
        #expect(branches?.message == "the branches have different types: string and int")
        let badArgument = only("//@version=5\nindicator(\"x\")\nplot(ta.sma(close, lenght = 3))")
        #expect(badArgument?.message == "'lenght' is not a parameter of 'ta.sma' (its parameters: source, length)")
        let seriesLength = only("//@version=5\nindicator(\"x\")\nplot(ta.sma(close, bar_index + 1))")
        #expect(seriesLength?.message == "'length' must be a constant or input integer known before the first bar (a series length is not supported yet)")
    }

    @Test func syntaxErrorsAreReportedTogether() {
        let found = diagnostics("//@version=5\nindicator(\"x\")\na = (1 + 2\nb = 3 +\nplot(close")
        #expect(found.count == 3, "\(found)")
        #expect(found.map(\.line) == [3, 4, 5])
        #expect(found[0].message == "expected ')'")
        #expect(found[1].message == "expected an expression, found end of line")
        #expect(found[2].message == "expected ',' or ')' in the arguments of 'plot'")
    }

    @Test func loopControlOutsideLoop() {
        let d = only("//@version=5\nindicator(\"x\")\nif close > 1\n    break\nplot(close)")
        #expect(d?.message == "'break' is only allowed inside a loop")
        #expect(d?.line == 4 && d?.column == 5)
    }

    @Test func recursionIsRefused() {
        let d = only("//@version=5\nindicator(\"x\")\nf(x) => f(x - 1)\nplot(f(close))")
        #expect(d?.message == "'f' calls itself: recursion is not allowed in Pine")
    }

    @Test func inputOverridesAreValidated() {
        let source = "//@version=5\nindicator(\"x\")\nlength = input.int(14, \"Length\", minval = 2)\nplot(ta.sma(close, length))"
        #expect(only(source, inputs: ["Length": "1"])?.message == "input 'Length': 1 is below its minimum 2")
        #expect(only(source, inputs: ["Length": "abc"])?.message == "input 'Length': 'abc' is not a number")
        #expect(only(source, inputs: ["Lenght": "3"])?.message == "the script has no input named 'Lenght'; its inputs are: Length / length")
    }

    @Test func declarationIsRequired() {
        #expect(only("//@version=5\nplot(close)")?.message == "the script needs a declaration: strategy(\"Title\", …) or indicator(\"Title\", …)")
        #expect(only("//@version=5\nindicator(\"x\")\nstrategy.entry(\"L\", strategy.long)")?.message == "strategy.entry can only be used in a strategy() script")
    }

    @Test func renderedWithCaret() {
        let source = "//@version=5\nindicator(\"x\")\nplot(ta.sma(clsoe, 3))"
        do {
            _ = try PineProgram(source: source)
            Issue.record("expected an error")
        } catch {
            #expect(error.rendered(source: source, fileName: "s.pine") == """
                s.pine:3:13: error: undeclared identifier 'clsoe'; did you mean 'close'?
                plot(ta.sma(clsoe, 3))
                            ^~~~~
                """)
        }
    }

    @Test func checkReturnsEmptyForAGoodScript() throws {
        #expect(PineProgram.check(source: "//@version=6\nindicator(\"x\")\nplot(close)").isEmpty)
        #expect(PineProgram.check(source: "//@version=6\nindicator(\"x\")\nplot(closee)").map(\.line) == [3])
    }

    @Test func runtimeLimits() throws {
        let loop = "//@version=5\nindicator(\"x\")\nn = 0\nwhile true\n    n += 1\nplot(n)"
        let looping = try PineProgram(source: loop)
        do {
            _ = try looping.run(bars: countingBars(2))
            Issue.record("expected a runtime error")
        } catch {
            #expect(error.message == "loop takes too long: more than 1000000 iterations on one bar")
            #expect(error.line == 4 && error.barIndex == 0)
        }
        let bounds = "//@version=5\nindicator(\"x\")\na = array.new_float(2)\nplot(array.get(a, 5))"
        let outOfBounds = try PineProgram(source: bounds)
        do {
            _ = try outOfBounds.run(bars: countingBars(2))
            Issue.record("expected a runtime error")
        } catch {
            #expect(error.message == "array index 5 is out of bounds (size 2)")
            #expect(error.line == 4 && error.column == 6)
        }
        let depth = "//@version=5\nindicator(\"x\", max_bars_back = 10)\nplot(close[11])"
        #expect(diagnostics(depth).first?.message == "history offset 11 exceeds max_bars_back (10)")
    }

    @Test func hostileScriptsAreStoppedNotCrashed() throws {
        let deep = "//@version=5\nindicator(\"x\")\nplot(" + String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000) + ")"
        #expect(diagnostics(deep).first?.message == "expression nested too deeply (more than 200 levels)")
        let huge = "//@version=5\nindicator(\"x\")\n" + String(repeating: "// padding\n", count: 100_000)
        #expect(diagnostics(huge).first?.message == "the script is \(huge.utf8.count) bytes; at most 1048576 are accepted")
        let history = "//@version=5\nindicator(\"x\", max_bars_back = 100000000)\nplot(close)"
        #expect(diagnostics(history).first?.message == "max_bars_back can be at most 5000, as on TradingView")
        // Each level calls the next twice: 2^30 copies once expanded.
        var lines = ["//@version=5", "indicator(\"x\")", "f0(x) => x + 1"]
        for level in 1...30 { lines.append("f\(level)(x) => f\(level - 1)(x) + f\(level - 1)(x)") }
        lines.append("plot(f30(close))")
        let expansion = diagnostics(lines.joined(separator: "\n"))
        #expect(expansion.first?.message == "the script calls its functions more than 20000 times once expanded (every call site gets its own copy, as in Pine)")

        let bigArray = try PineProgram(source: "//@version=5\nindicator(\"x\")\na = array.new_float(1000000000)\nplot(array.size(a))")
        do {
            _ = try bigArray.run(bars: countingBars(1))
            Issue.record("expected a runtime error")
        } catch {
            #expect(error.message == "arrays hold at most 100000 elements")
        }
        let doubling = try PineProgram(source: "//@version=5\nindicator(\"x\")\nvar s = \"ab\"\nfor i = 0 to 40\n    s := s + s\nplot(str.length(s))")
        do {
            _ = try doubling.run(bars: countingBars(1))
            Issue.record("expected a runtime error")
        } catch {
            #expect(error.message == "string longer than 1048576 bytes")
            #expect(error.line == 5)
        }
    }
}
