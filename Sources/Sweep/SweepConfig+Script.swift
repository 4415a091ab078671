import PineScript
import TradingCore

/// `"script": "strategy.pine"` instead of `"strategy"`: a Pine Script strategy, its inputs as
/// the swept parameters (docs/sweeps.md, "Pine scripts").
extension SweepConfig {
    /// The strategy version in every cell id and in the results header: the script's SHA-256
    /// (so editing the script changes every id), else the built-in's parameter-schema hash.
    public var strategyVersion: String {
        script.map { "sha256:" + $0.sha256 } ?? SweepIdentity.strategyVersion(strategy)
    }

    /// Fields a script's `strategy()` call decides instead (its capital, commission, slippage and
    /// fill timing), so a config of a script must not set them (`initial_cash` may repeat the
    /// script's `initial_capital`, which is what `json()` writes back).
    static let builtInOnlyKeys = ["commission", "slippage_bps", "fill_at"]

    /// `json()`'s script fields. With data (plans), the source inline, so a plan is self-contained
    /// and a worker never needs the file; without (the results header), its title and SHA-256.
    func addScript(_ script: SweepScript, to object: inout [String: JSONValue], includingData: Bool) {
        object["strategy"] = nil
        for key in Self.builtInOnlyKeys { object[key] = nil }
        object["script"] = includingData
            ? .object(["path": .string(script.path), "source": .string(script.source)])
            : .object(["title": .string(script.title), "sha256": .string(script.sha256)])
    }
}

extension FieldReader {
    /// The config's `script`, read and compiled once; nil when the config names a built-in
    /// `strategy`. A path (only with `readingFiles`) is taken from `baseDirectory` like `data`;
    /// `{"path", "source"}` (what a plan carries) gives the source inline.
    func script(_ root: ConfigNode, baseDirectory: String?, readingFiles: Bool) throws(SweepError) -> SweepScript? {
        guard let node = root["script"] else {
            if root["strategy"] == nil {
                throw fail("strategy", root, "is required: a built-in strategy (`cracktrader strategies`), or give script: a Pine strategy file")
            }
            return nil
        }
        if root["strategy"] != nil {
            throw fail("script", node, "give either strategy (a built-in) or script (a Pine strategy file), not both")
        }
        let path: String
        let source: String
        switch node.value {
        case .string(let text):
            guard !text.isEmpty else { throw fail("script", node, "must be the path of a Pine strategy file") }
            guard readingFiles else {
                throw fail("script", node, "a script file is read by `cracktrader sweep` only; here name a saved script in strategy, or give the source inline as script: {\"source\": …}")
            }
            path = SweepConfig.resolve(text, baseDirectory)
            let bytes: [UInt8]
            do { bytes = try SweepFiles.read(path) } catch { throw fail("script", node, error.message) }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("script", node, "\(path) is not UTF-8 text") }
            source = text
        case .object(let members):
            for member in members where member.key != "path" && member.key != "source" {
                throw fail("script.\(member.key)", member.node, "unknown field; an inline script has path and source")
            }
            source = try string(try require(node, "source", field: "script"), "script.source")
            path = try node["path"].map { child throws(SweepError) in try string(child, "script.path") } ?? "script.pine"
        default:
            throw fail("script", node, "must be the path of a Pine strategy file, e.g. \"strategy.pine\"")
        }
        do {
            return try SweepScript(path: path, source: source)
        } catch {
            throw fail("script", node, error.message)
        }
    }

    /// Refuses the backtest settings a script's `strategy()` call decides.
    func checkScriptSettings(_ root: ConfigNode, script: SweepScript) throws(SweepError) {
        for key in SweepConfig.builtInOnlyKeys {
            if let node = root[key] {
                throw fail(key, node, "applies to built-in strategies; a script's strategy() call sets its commission, slippage and fills (commission_value, slippage, process_orders_on_close)")
            }
        }
        if let node = root["initial_cash"], try number(node, "initial_cash") != script.initialCapital {
            throw fail("initial_cash", node, "a script's capital is its strategy(initial_capital=) (\(SweepScript.text(.float(script.initialCapital))) in \(script.path)); leave initial_cash out or set it there")
        }
    }

    /// One `parameters` entry of a script sweep: a script input by variable name or title, every
    /// value checked by the compiler against the input's type, minval, maxval and options.
    func scriptAxis(_ key: String, _ node: ConfigNode, script: SweepScript, given: [ParameterAxis]) throws(SweepError) -> ParameterAxis {
        let field = "parameters.\(key)"
        guard let input = script.input(named: key) else {
            throw fail(field, node, "the script has no input named '\(key)'; its inputs are: \(script.inputList)")
        }
        if let other = given.first(where: { script.input(named: $0.name) == input }) {
            throw fail(field, node, "names the same input as parameters.\(other.name) ('\(input.title)')")
        }
        let axis = ParameterAxis(name: key, domain: try domain(node, field: field))
        guard !axis.values.isEmpty else { throw fail(field, node, "has no values (is 'to' below 'from'?)") }
        var checked: Set<String> = []
        for value in axis.values where checked.insert(SweepScript.text(value)).inserted {
            if let problem = script.problem(input: key, value: value) { throw fail(field, node, problem) }
        }
        return axis
    }
}
