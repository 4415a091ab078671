import MarketData
import TradingCore

extension SweepConfig {
    /// The config in its file shape with every default written out, canonical, so that
    /// `SweepConfig(node: ConfigNode(json: config.json()))` gives the same config back.
    ///
    /// - Parameter includingData: false leaves out `data`, `exchange` and `data_dir` (where the
    ///   bars are read from), which a results document does not depend on: the cells carry the
    ///   hash of the bars they ran on.
    public func json(includingData: Bool = true) -> JSONValue {
        var object: [String: JSONValue] = [
            "strategy": .string(strategy),
            "symbols": .array(symbols.map { .string($0.description) }),
            "initial_cash": .double(initialCash),
            "commission": .double(commission),
            "slippage_bps": .double(slippageBps),
            "fill_at": .string(fillAt.rawValue),
            "parameters": .object(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.domain.json) })),
            "constraints": .array(constraints.map { .string($0) }),
            "search": searchJSON,
            "objective": objective.json,
            "top": .int(top),
        ]
        if let timeframe { object["timeframe"] = .string(timeframe.rawValue) }
        if let start { object["start"] = .string(ISO8601Text.format(start)) }
        if let end { object["end"] = .string(ISO8601Text.format(end)) }
        if let minTrades { object["min_trades"] = .int(minTrades) }
        if let maxDrawdown { object["max_drawdown"] = .double(maxDrawdown) }
        if let walkForward {
            var wf: [String: JSONValue] = [
                "mode": .string(walkForward.mode.rawValue), "train": walkForward.train.json, "test": walkForward.test.json,
                "step": walkForward.step.json, "top_k": .int(walkForward.topK),
            ]
            if let holdout = walkForward.holdout { wf["holdout"] = holdout.json }
            object["walk_forward"] = .object(wf)
        }
        if includingData {
            switch data {
            case .csv(let files):
                object["data"] = .object(Dictionary(uniqueKeysWithValues: files.map { ($0.key.description, JSONValue.string($0.value)) }))
            case .exchange(let name):
                object["exchange"] = .string(name)
                object["data_dir"] = .string(dataDirectory)
            }
        }
        if let script { addScript(script, to: &object, includingData: includingData) }
        return .object(object)
    }

    var searchJSON: JSONValue {
        var object: [String: JSONValue] = ["method": .string(search.method.rawValue)]
        if search.method != .grid {
            object["samples"] = .int(search.samples)
            object["seed"] = .int(Int(truncatingIfNeeded: search.seed))
        }
        if search.method == .tpe {
            object["batch_size"] = .int(search.batchSize)
            object["startup"] = .int(search.startup)
            object["candidates"] = .int(search.candidates)
            object["gamma"] = .double(search.gamma)
        }
        return .object(object)
    }
}
