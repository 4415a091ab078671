import Sweep
import Testing

@Suite("Sweep constraint expressions")
struct ConstraintExpressionTests {
    @Test("comparisons, arithmetic, precedence and boolean operators")
    func evaluates() throws {
        let values = ["fast_period": 10.0, "slow_period": 30.0, "stake": 0.5]
        #expect(try ConstraintExpression(parsing: "fast_period < slow_period").holds(values))
        #expect(try !ConstraintExpression(parsing: "fast_period >= slow_period").holds(values))
        #expect(try ConstraintExpression(parsing: "slow_period - fast_period >= 20").holds(values))
        #expect(try !ConstraintExpression(parsing: "slow_period - fast_period > 20").holds(values))
        #expect(try ConstraintExpression(parsing: "fast_period * 3 == slow_period").holds(values))
        #expect(try ConstraintExpression(parsing: "2 + 3 * 4 == 14").holds([:]))
        #expect(try ConstraintExpression(parsing: "(2 + 3) * 4 == 20").holds([:]))
        #expect(try ConstraintExpression(parsing: "-fast_period + 15 == 5").holds(values))
        #expect(try ConstraintExpression(parsing: "slow_period % 7 == 2").holds(values))
        #expect(try ConstraintExpression(parsing: "slow_period / fast_period == 3").holds(values))
        #expect(try ConstraintExpression(parsing: "fast_period < slow_period and stake <= 1").holds(values))
        #expect(try !ConstraintExpression(parsing: "fast_period > slow_period && stake <= 1").holds(values))
        #expect(try ConstraintExpression(parsing: "fast_period > slow_period or stake == 0.5").holds(values))
        #expect(try ConstraintExpression(parsing: "not fast_period > slow_period").holds(values))
        #expect(try ConstraintExpression(parsing: "fast_period != 11").holds(values))
        #expect(try ConstraintExpression(parsing: "1e1 == fast_period").holds(values))
        #expect(try ConstraintExpression(parsing: "fast_period < slow_period").parameterNames == ["fast_period", "slow_period"])
    }

    @Test("a missing parameter makes the constraint fail, not crash")
    func missingParameter() throws {
        #expect(try !ConstraintExpression(parsing: "other < 3").holds(["fast_period": 1]))
    }

    @Test("syntax errors are config errors")
    func syntaxErrors() {
        for text in ["fast_period <", "(fast_period < 3", "fast_period < 3 < 4", "fast_period $ 2", "and", ""] {
            #expect(throws: SweepError.self) { _ = try ConstraintExpression(parsing: text) }
        }
        do {
            _ = try ConstraintExpression(parsing: "a < b < c")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .config)
            #expect(error.message == "chained comparison in constraint 'a < b < c'; join comparisons with 'and'")
            #expect(error.exitStatus == 65)
        }
    }
}
