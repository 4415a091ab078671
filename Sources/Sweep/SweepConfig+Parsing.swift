import MarketData
import TradingCore

extension SweepConfig {
    /// Top-level keys a config may have; anything else is a typo and an error.
    static let knownKeys: Set<String> = [
        "strategy", "script", "symbols", "timeframe", "data", "exchange", "data_dir", "start", "end", "initial_cash",
        "commission", "slippage_bps", "fill_at", "parameters", "constraints", "search", "objective",
        "min_trades", "max_drawdown", "walk_forward", "top",
    ]

    /// Parses a config file: JSON when its first non-blank character is `{`, YAML otherwise.
    ///
    /// - Parameters:
    ///   - file: the name errors are reported against (and, with `baseDirectory`, where relative
    ///     `data` paths are resolved from).
    ///   - baseDirectory: the directory relative CSV paths are taken from; nil leaves them as written.
    public static func parse(bytes: [UInt8], file: String? = nil, baseDirectory: String? = nil) throws(SweepError) -> SweepConfig {
        let firstByte = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        let root = firstByte == UInt8(ascii: "{")
            ? try ConfigNode.parseJSON(bytes, file: file)
            : try YAMLConfigReader.parse(bytes, file: file)
        return try SweepConfig(node: root, file: file, baseDirectory: baseDirectory, readingFiles: true)
    }

    /// Validates a parsed node tree. Every error names the field and its line.
    ///
    /// - Parameter readingFiles: whether a `script` path may be read (a config file, `parse`);
    ///   otherwise only an inline `{"source"}` script is accepted (plans, and the HTTP API, which
    ///   must never read files of the server's choosing from a request).
    public init(node root: ConfigNode, file: String? = nil, baseDirectory: String? = nil, readingFiles: Bool = false) throws(SweepError) {
        let reader = FieldReader(file: file)
        guard case .object(let members) = root.value else {
            throw SweepError.config(nil, "the config must be an object (a mapping of keys to values)", line: root.line, file: file)
        }
        for member in members where !Self.knownKeys.contains(member.key) {
            throw reader.fail(member.key, member.node, "unknown field; known fields: \(Self.knownKeys.sorted().joined(separator: ", "))")
        }

        // Strategy (a built-in, or a Pine script: SweepConfig+Script.swift) and its schema.
        let script = try reader.script(root, baseDirectory: baseDirectory, readingFiles: readingFiles)
        self.script = script
        let strategyName: String
        let strategyType: (any Strategy.Type)?
        if let script {
            strategyName = script.title
            strategyType = nil
        } else {
            let strategyNode = try reader.require(root, "strategy")
            strategyName = try reader.string(strategyNode, "strategy")
            do {
                strategyType = try StrategyRegistry.strategyType(named: strategyName)
            } catch {
                throw reader.fail("strategy", strategyNode, error.message)
            }
        }
        strategy = strategyName

        // Data source and symbols.
        var symbolList: [TradingSymbol] = []
        if let node = root["symbols"] {
            guard case .array(let items) = node.value, !items.isEmpty else { throw reader.fail("symbols", node, "must be a non-empty list such as [\"BTC/USDT\"]") }
            for (index, item) in items.enumerated() {
                let text = try reader.string(item, "symbols[\(index)]")
                do { symbolList.append(try TradingSymbol(parsing: text)) } catch { throw reader.fail("symbols[\(index)]", item, error.message) }
            }
            guard Set(symbolList).count == symbolList.count else { throw reader.fail("symbols", node, "must not repeat a symbol") }
        }
        if let dataNode = root["data"] {
            if root["exchange"] != nil { throw reader.fail("exchange", root["exchange"]!, "give either data (CSV files) or exchange, not both") }
            switch dataNode.value {
            case .string(let path):
                if symbolList.isEmpty { symbolList = [try! TradingSymbol(parsing: "BTC/USDT")] }
                guard symbolList.count == 1 else {
                    throw reader.fail("data", dataNode, "a CSV file holds one market; map each symbol to its file ({\"BTC/USDT\": \"btc.csv\", …}) for several")
                }
                data = .csv([symbolList[0]: Self.resolve(path, baseDirectory)])
            case .object(let files):
                var map: [TradingSymbol: String] = [:]
                for file in files {
                    let symbol: TradingSymbol
                    do { symbol = try TradingSymbol(parsing: file.key) } catch { throw reader.fail("data.\(file.key)", file.node, error.message) }
                    map[symbol] = Self.resolve(try reader.string(file.node, "data.\(file.key)"), baseDirectory)
                }
                guard !map.isEmpty else { throw reader.fail("data", dataNode, "must name at least one CSV file") }
                if symbolList.isEmpty {
                    symbolList = map.keys.sorted()
                } else if Set(symbolList) != Set(map.keys) {
                    throw reader.fail("symbols", root["symbols"]!, "must be the symbols data maps to files (\(map.keys.sorted().map(\.description).joined(separator: ", ")))")
                }
                data = .csv(map)
            default:
                throw reader.fail("data", dataNode, "must be a CSV path or a mapping of symbols to CSV paths")
            }
        } else {
            let exchangeNode = root["exchange"]
            let name = try exchangeNode.map { node throws(SweepError) in try reader.string(node, "exchange") } ?? SimExchange.id
            data = .exchange(name.lowercased())
            if symbolList.isEmpty { symbolList = [try! TradingSymbol(parsing: "BTC/USDT")] }
        }
        symbols = symbolList
        dataDirectory = try root["data_dir"].map { node throws(SweepError) in Self.resolve(try reader.string(node, "data_dir"), baseDirectory) } ?? "./cracktrader-data"

        if let node = root["timeframe"] {
            let text = try reader.string(node, "timeframe")
            do { timeframe = try Timeframe(parsing: text) } catch { throw reader.fail("timeframe", node, error.message) }
        } else {
            timeframe = nil
        }
        start = try root["start"].map { node throws(SweepError) in try reader.time(node, "start") }
        end = try root["end"].map { node throws(SweepError) in try reader.time(node, "end") }
        if let start, let end, end <= start { throw reader.fail("end", root["end"]!, "must be after start") }
        if case .exchange = data, start == nil || end == nil {
            // backtest defaults to "the last 90 days", which moves with the wall clock; a sweep's
            // plan must not, so its range is explicit.
            throw reader.fail(start == nil ? "start" : "end", root, "an exchange sweep needs both start and end (ISO 8601), so its plan never depends on today's date")
        }

        initialCash = try root["initial_cash"].map { node throws(SweepError) in try reader.number(node, "initial_cash") } ?? 10_000
        commission = try root["commission"].map { node throws(SweepError) in try reader.number(node, "commission") } ?? 0.001
        slippageBps = try root["slippage_bps"].map { node throws(SweepError) in try reader.number(node, "slippage_bps") } ?? 0
        if let node = root["fill_at"] {
            let text = try reader.string(node, "fill_at")
            guard let timing = FillTiming(rawValue: text) else { throw reader.fail("fill_at", node, "must be next_open or close, not '\(text)'") }
            fillAt = timing
        } else {
            fillAt = .nextOpen
        }
        if let script {
            try reader.checkScriptSettings(root, script: script)
            initialCash = script.initialCapital
        } else { do {
            try BacktestConfiguration(strategyName: strategyName, symbols: symbolList, timeframe: .oneHour, initialCash: initialCash,
                                      commission: commission, slippageBps: slippageBps, fillAt: fillAt).validate()
        } catch {
            let field: String
            if case .text(let name)? = error.details["field"] { field = name } else { field = "config" }
            throw reader.fail(field, root[field] ?? root, error.message)
        } }

        // Parameters, checked against the strategy's schema.
        let schema = strategyType?.parameters ?? []
        var axes: [ParameterAxis] = []
        if let node = root["parameters"] {
            guard case .object(let items) = node.value else { throw reader.fail("parameters", node, "must be a mapping of parameter names to values, lists or {from, to, step}") }
            for item in items {
                if let script {
                    axes.append(try reader.scriptAxis(item.key, item.node, script: script, given: axes))
                    continue
                }
                let field = "parameters.\(item.key)"
                guard let spec = schema.first(where: { $0.name == item.key }) else {
                    throw reader.fail(field, item.node, "\(strategyName) has no parameter '\(item.key)'; its parameters are \(schema.map(\.name).joined(separator: ", "))")
                }
                let domain = try reader.domain(item.node, field: field)
                let axis = ParameterAxis(name: item.key, domain: domain)
                guard !axis.values.isEmpty else { throw reader.fail(field, item.node, "has no values (is 'to' below 'from'?)") }
                for value in axis.values {
                    do {
                        _ = try StrategyParameters.validate([spec.name: value], schema: [spec], strategy: strategyName)
                    } catch {
                        let problem = (error.details["problems"]).flatMap { detail -> String? in
                            if case .list(let problems) = detail { return problems.joined(separator: "; ") }
                            return nil
                        } ?? error.message
                        throw reader.fail(field, item.node, problem)
                    }
                }
                axes.append(axis)
            }
        }
        parameters = axes.sorted { $0.name < $1.name }

        // Constraints between parameters.
        var texts: [String] = []
        var expressions: [ConstraintExpression] = []
        if let node = root["constraints"] {
            guard case .array(let items) = node.value else { throw reader.fail("constraints", node, "must be a list of expressions such as \"fast_period < slow_period\"") }
            for (index, item) in items.enumerated() {
                let field = "constraints[\(index)]"
                let text = try reader.string(item, field)
                let expression: ConstraintExpression
                do { expression = try ConstraintExpression(parsing: text) } catch { throw reader.fail(field, item, error.message) }
                for name in expression.parameterNames.sorted() where !axes.contains(where: { $0.name == name }) {
                    throw reader.fail(field, item, "'\(name)' is not a parameter of this sweep (give it under parameters); known: \(axes.map(\.name).joined(separator: ", "))")
                }
                texts.append(text)
                expressions.append(expression)
            }
        }
        constraints = texts
        constraintExpressions = expressions

        search = try reader.search(root["search"])
        objective = try reader.objective(root["objective"])
        minTrades = try root["min_trades"].map { node throws(SweepError) in try reader.integer(node, "min_trades", minimum: 0) }
        if let node = root["max_drawdown"] {
            let value = try reader.number(node, "max_drawdown")
            guard value > 0, value <= 1 else { throw reader.fail("max_drawdown", node, "must be a fraction in (0, 1], e.g. 0.25 for 25 %") }
            maxDrawdown = value
        } else {
            maxDrawdown = nil
        }
        walkForward = try root["walk_forward"].map { node throws(SweepError) in try reader.walkForward(node) }
        top = try root["top"].map { node throws(SweepError) in try reader.integer(node, "top", minimum: 1) } ?? 10
    }

    static func resolve(_ path: String, _ base: String?) -> String {
        guard let base, !path.hasPrefix("/"), !base.isEmpty else { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

/// Typed access to config nodes with errors that name the field and the line.
struct FieldReader {
    let file: String?

    func fail(_ field: String, _ node: ConfigNode, _ message: String) -> SweepError {
        SweepError.config(field, message, line: node.line == 0 ? nil : node.line, file: file)
    }

    func require(_ parent: ConfigNode, _ key: String) throws(SweepError) -> ConfigNode {
        guard let node = parent[key] else { throw fail(key, parent, "is required") }
        return node
    }

    func string(_ node: ConfigNode, _ field: String) throws(SweepError) -> String {
        guard case .string(let text) = node.value else { throw fail(field, node, "must be a string") }
        return text
    }

    func number(_ node: ConfigNode, _ field: String) throws(SweepError) -> Double {
        switch node.value {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: throw fail(field, node, "must be a number")
        }
    }

    func integer(_ node: ConfigNode, _ field: String, minimum: Int) throws(SweepError) -> Int {
        let value: Int
        switch node.value {
        case .int(let v): value = v
        case .double(let v) where v.rounded() == v && abs(v) < 9e15: value = Int(v)
        default: throw fail(field, node, "must be an integer")
        }
        guard value >= minimum else { throw fail(field, node, "must be at least \(minimum)") }
        return value
    }

    func time(_ node: ConfigNode, _ field: String) throws(SweepError) -> Int64 {
        let text = try string(node, field)
        guard let value = ISO8601Text.parse(text) else {
            throw fail(field, node, "'\(text)' is not an ISO 8601 date (e.g. 2024-01-01 or 2024-01-01T12:00:00Z)")
        }
        return value
    }

    func scalar(_ node: ConfigNode, _ field: String) throws(SweepError) -> ParameterValue {
        switch node.value {
        case .int(let v): return .int(v)
        case .double(let v): return .float(v)
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        default: throw fail(field, node, "must be a number, bool or string")
        }
    }

    func domain(_ node: ConfigNode, field: String) throws(SweepError) -> ParameterDomain {
        switch node.value {
        case .array(let items):
            guard !items.isEmpty else { throw fail(field, node, "an empty list gives no values") }
            var values: [ParameterValue] = []
            for (index, item) in items.enumerated() {
                let value = try scalar(item, "\(field)[\(index)]")
                guard !values.contains(value) else { throw fail("\(field)[\(index)]", item, "repeats the value \(value)") }
                values.append(value)
            }
            return values.count == 1 ? .fixed(values[0]) : .choices(values)
        case .object(let members):
            for member in members where !["from", "to", "step"].contains(member.key) {
                throw fail("\(field).\(member.key)", member.node, "unknown field; a range has from, to and step")
            }
            let fromNode = try require(node, "from", field: field)
            let toNode = try require(node, "to", field: field)
            let from = try number(fromNode, "\(field).from")
            let to = try number(toNode, "\(field).to")
            var integral = fromNode.value.isInteger && toNode.value.isInteger
            let step: Double
            if let stepNode = node["step"] {
                step = try number(stepNode, "\(field).step")
                guard step > 0, step.isFinite else { throw fail("\(field).step", stepNode, "must be a positive number") }
                integral = integral && stepNode.value.isInteger
            } else {
                guard integral else { throw fail(field, node, "a range of non-integers needs a step") }
                step = 1
            }
            guard to >= from else { throw fail("\(field).to", toNode, "must not be below from (\(from))") }
            return .range(from: from, to: to, step: step, integral: integral)
        default:
            return .fixed(try scalar(node, field))
        }
    }

    func require(_ node: ConfigNode, _ key: String, field: String) throws(SweepError) -> ConfigNode {
        guard let child = node[key] else { throw fail("\(field).\(key)", node, "is required") }
        return child
    }

    func search(_ node: ConfigNode?) throws(SweepError) -> SweepConfig.Search {
        guard let node else { return SweepConfig.Search(method: .grid) }
        guard case .object(let members) = node.value else { throw fail("search", node, "must be an object such as {\"method\": \"grid\"}") }
        let known: Set<String> = ["method", "samples", "seed", "batch_size", "startup", "candidates", "gamma"]
        for member in members where !known.contains(member.key) {
            throw fail("search.\(member.key)", member.node, "unknown field; known: \(known.sorted().joined(separator: ", "))")
        }
        let methodNode = try require(node, "method", field: "search")
        let methodText = try string(methodNode, "search.method")
        let aliases = ["low_discrepancy": "halton"]
        guard let method = SweepConfig.SearchMethod(rawValue: aliases[methodText] ?? methodText) else {
            throw fail("search.method", methodNode, "must be one of grid, random, halton (alias low_discrepancy), tpe; not '\(methodText)'")
        }
        var search = SweepConfig.Search(method: method)
        if let seedNode = node["seed"] { search.seed = UInt64(try integer(seedNode, "search.seed", minimum: 0)) }
        if method != .grid {
            let samplesNode = try require(node, "samples", field: "search")
            search.samples = try integer(samplesNode, "search.samples", minimum: 1)
        } else if let samplesNode = node["samples"] {
            throw fail("search.samples", samplesNode, "a grid runs every point; samples applies to random, halton and tpe")
        }
        if method == .tpe {
            if let n = node["batch_size"] { search.batchSize = try integer(n, "search.batch_size", minimum: 1) }
            search.startup = search.batchSize
            if let n = node["startup"] { search.startup = try integer(n, "search.startup", minimum: 1) }
            if let n = node["candidates"] { search.candidates = try integer(n, "search.candidates", minimum: 1) }
            if let n = node["gamma"] {
                search.gamma = try number(n, "search.gamma")
                guard search.gamma > 0, search.gamma < 1 else { throw fail("search.gamma", n, "must be in (0, 1)") }
            }
        } else {
            for key in ["batch_size", "startup", "candidates", "gamma"] {
                if let n = node[key] { throw fail("search.\(key)", n, "applies to the tpe method only") }
            }
        }
        return search
    }

    func objective(_ node: ConfigNode?) throws(SweepError) -> SweepObjective {
        guard let node else { return .metric("sharpe_ratio") }
        let names = SweepObjective.metricNames
        switch node.value {
        case .string(let name):
            guard names.contains(name) else { throw fail("objective", node, "must be one of \(names.joined(separator: ", ")) or {\"weights\": {…}}; not '\(name)'") }
            return .metric(name)
        case .object:
            let weightsNode = try require(node, "weights", field: "objective")
            guard case .object(let items) = weightsNode.value, !items.isEmpty else {
                throw fail("objective.weights", weightsNode, "must map metric names to weights, e.g. {\"sharpe_ratio\": 1, \"max_drawdown\": 2}")
            }
            var weights: [String: Double] = [:]
            for item in items {
                guard names.contains(item.key) else { throw fail("objective.weights.\(item.key)", item.node, "must be one of \(names.joined(separator: ", "))") }
                weights[item.key] = try number(item.node, "objective.weights.\(item.key)")
            }
            return .weighted(weights)
        default:
            throw fail("objective", node, "must be a metric name or {\"weights\": {…}}")
        }
    }

    func span(_ node: ConfigNode, _ field: String) throws(SweepError) -> SweepConfig.Span {
        switch node.value {
        case .int(let count):
            guard count > 0 else { throw fail(field, node, "must be positive") }
            return .bars(count)
        case .string(let text):
            let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
            for (unit, size) in units.reversed() where text.hasSuffix(unit) {
                let digits = text.dropLast(unit.count)
                if let count = Int64(digits), count > 0, !(unit == "s" && digits.hasSuffix("m")) {
                    return .milliseconds(count * size)
                }
            }
            throw fail(field, node, "'\(text)' is not a duration: use a number of bars or 90d, 12h, 30m, 2w, 45s")
        default:
            throw fail(field, node, "must be a number of bars or a duration such as \"90d\"")
        }
    }

    func walkForward(_ node: ConfigNode) throws(SweepError) -> SweepConfig.WalkForward {
        guard case .object(let members) = node.value else { throw fail("walk_forward", node, "must be an object with train, test and optional step, mode, holdout, top_k") }
        let known: Set<String> = ["mode", "train", "test", "step", "holdout", "top_k"]
        for member in members where !known.contains(member.key) {
            throw fail("walk_forward.\(member.key)", member.node, "unknown field; known: \(known.sorted().joined(separator: ", "))")
        }
        var mode = SweepConfig.WalkForward.Mode.rolling
        if let modeNode = node["mode"] {
            let text = try string(modeNode, "walk_forward.mode")
            guard let value = SweepConfig.WalkForward.Mode(rawValue: text) else { throw fail("walk_forward.mode", modeNode, "must be rolling or anchored") }
            mode = value
        }
        let train = try span(try require(node, "train", field: "walk_forward"), "walk_forward.train")
        let test = try span(try require(node, "test", field: "walk_forward"), "walk_forward.test")
        let step = try node["step"].map { n throws(SweepError) in try span(n, "walk_forward.step") }
        let holdout = try node["holdout"].map { n throws(SweepError) in try span(n, "walk_forward.holdout") }
        let topK = try node["top_k"].map { n throws(SweepError) in try integer(n, "walk_forward.top_k", minimum: 1) } ?? 1
        return SweepConfig.WalkForward(mode: mode, train: train, test: test, step: step, holdout: holdout, topK: topK)
    }
}

extension ConfigNode.Value {
    var isInteger: Bool {
        if case .int = self { return true }
        return false
    }
}
