import Foundation
@testable import Sweep
import Testing
import TradingCore

@Suite("Sweep config: the YAML subset")
struct YAMLConfigTests {
    @Test("the YAML form of the issue's example equals the JSON form")
    func sameAsJSON() throws {
        let yaml = try SweepFixtures.config(SweepCLITests.yamlConfig, file: "sweep.yaml")
        let json = try SweepFixtures.config(SweepFixtures.issueExample(symbols: #"["BTC/USDT", "ETH/USDT"]"#, extra: #", "top": 3"#))
        #expect(yaml == json)
    }

    @Test("block sequences of mappings, quoting, comments, null and bools")
    func shapes() throws {
        let text = """
            ---
            a: 1   # a comment
            b: 'it''s # not a comment'
            c: "tab\\tand \\"quotes\\""
            d:
              - x: 1
                y: [1, 2.5, three]
              - plain text
            e: ~
            f: true
            g: {k: v, n: -3}
            h:
            - 1
            - 2
            """
        let node = try YAMLConfigReader.parse(Array(text.utf8), file: "t.yaml")
        #expect(node.json == .object([
            "a": .int(1), "b": .string("it's # not a comment"), "c": .string("tab\tand \"quotes\""),
            "d": .array([.object(["x": .int(1), "y": .array([.int(1), .double(2.5), .string("three")])]), .string("plain text")]),
            "e": .null, "f": .bool(true), "g": .object(["k": .string("v"), "n": .int(-3)]), "h": .array([.int(1), .int(2)]),
        ]))
        #expect(node["d"]?.line == 5)
        #expect(node["g"]?.line == 11)
    }

    @Test("YAML errors carry the line: a bad field, a tab, an alias")
    func errors() throws {
        let bad = SweepCLITests.yamlConfig.replacingOccurrences(of: "step: 5}", with: "step: -5}")
        let error = try #require(SweepFixtures.error { _ = try SweepFixtures.config(bad, file: "sweep.yaml") })
        #expect(error.description == "sweep.yaml:9: parameters.fast_period.step: must be a positive number")
        let tab = try #require(SweepFixtures.error { _ = try YAMLConfigReader.parse(Array("a:\n\tb: 1".utf8), file: "t.yaml") })
        #expect(tab.line == 2)
        #expect(tab.message == "tabs cannot indent YAML; use spaces")
        let alias = try #require(SweepFixtures.error { _ = try YAMLConfigReader.parse(Array("a: &x 1\nb: *x".utf8), file: "t.yaml") })
        #expect(alias.line == 1)
        let duplicate = try #require(SweepFixtures.error { _ = try YAMLConfigReader.parse(Array("a: 1\nb: 2\na: 3".utf8), file: "t.yaml") })
        #expect(duplicate.line == 3)
        #expect(duplicate.message == "duplicate key 'a'")
    }
}
