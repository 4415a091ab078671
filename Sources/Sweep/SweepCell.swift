import TradingCore

/// One backtest of a sweep: a parameter point on one symbol over one window. Its `id` is stable:
/// the FNV-1a 64 hash of the strategy and its version, the engine version, the canonical
/// parameters, the symbol, the window, the data hash, the backtest settings and the role, so
/// the same cell planned anywhere gets the same id, and a retry of it the same result.
public struct SweepCell: Sendable, Hashable {
    /// What the cell is for.
    public enum Role: String, Sendable, Hashable, Comparable {
        /// A cell of a plain sweep (the whole range).
        case sweep
        /// A walk-forward fold's training window.
        case inSample = "in_sample"
        /// A walk-forward fold's test window (keeps its equity curve for stitching).
        case outOfSample = "out_of_sample"
        /// The final untouched window (keeps its equity curve).
        case holdout

        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

        /// Out-of-sample and holdout cells keep a (thinned) equity curve.
        public var keepsEquity: Bool { self == .outOfSample || self == .holdout }
    }

    public let id: String
    /// Every configured parameter (swept and fixed), in the strategy's types.
    public let parameters: [String: ParameterValue]
    public let symbol: TradingSymbol
    public let window: SweepWindow
    /// `SweepDataSet.dataHash` of the bars the cell runs on.
    public let dataHash: String
    public let role: Role
    /// Walk-forward fold index (0-based); nil for plain sweep and holdout cells.
    public let fold: Int?

    public init(config: SweepConfig, timeframe: Timeframe, parameters: [String: ParameterValue], symbol: TradingSymbol,
                window: SweepWindow, dataHash: String, role: Role, fold: Int?) {
        self.parameters = parameters
        self.symbol = symbol
        self.window = window
        self.dataHash = dataHash
        self.role = role
        self.fold = fold
        var identity: [String: JSONValue] = [
            "strategy": .string(config.strategy),
            "strategy_version": .string(config.strategyVersion),
            "engine_version": .string(SweepIdentity.engineVersion),
            "parameters": SweepCell.parametersJSON(parameters),
            "symbol": .string(symbol.description),
            "window": window.json,
            "data_hash": .string(dataHash),
            "timeframe": .string(timeframe.rawValue),
            "initial_cash": .double(config.initialCash),
            "commission": .double(config.commission),
            "slippage_bps": .double(config.slippageBps),
            "fill_at": .string(config.fillAt.rawValue),
            "role": .string(role.rawValue),
        ]
        if let fold { identity["fold"] = .int(fold) }
        var hasher = FNV1a()
        hasher.combine(bytes: JSONValue.object(identity).canonicalBytes)
        id = hasher.hex
    }

    /// Rebuilds a cell from its plan entry (the id is recomputed and must match).
    init(plan json: JSONValue, config: SweepConfig, timeframe: Timeframe) throws(SweepError) {
        guard let id = json["id"]?.stringValue, let symbolText = json["symbol"]?.stringValue,
              let symbol = try? TradingSymbol(parsing: symbolText),
              let window = SweepWindow(json: json["window"]), let hash = json["data_hash"]?.stringValue,
              let roleText = json["role"]?.stringValue, let role = Role(rawValue: roleText),
              let parameters = json["parameters"]?.objectValue else {
            throw SweepError(kind: .config, code: "SWEEP_PLAN_INVALID", message: "a plan cell is malformed")
        }
        self.init(config: config, timeframe: timeframe, parameters: parameters.compactMapValues(SweepCell.parameterValue),
                  symbol: symbol, window: window, dataHash: hash, role: role, fold: json["fold"]?.intValue)
        guard self.id == id else {
            throw SweepError(kind: .config, code: "SWEEP_PLAN_INVALID", message: "plan cell \(id) does not match its contents (recomputed \(self.id)); was the plan edited or made by another version?")
        }
    }

    /// The cell as a plan entry.
    public var planJSON: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "parameters": Self.parametersJSON(parameters), "symbol": .string(symbol.description),
            "window": window.json, "data_hash": .string(dataHash), "role": .string(role.rawValue),
        ]
        if let fold { object["fold"] = .int(fold) }
        return .object(object)
    }

    static func parametersJSON(_ parameters: [String: ParameterValue]) -> JSONValue {
        .object(parameters.mapValues(ParameterDomain.json))
    }

    static func parameterValue(_ json: JSONValue) -> ParameterValue? {
        switch json {
        case .int(let v): .int(v)
        case .double(let v): .float(v)
        case .bool(let v): .bool(v)
        case .string(let v): .string(v)
        default: nil
        }
    }

    /// The canonical text of a parameter point (the key for "same point").
    static func pointKey(_ parameters: [String: ParameterValue]) -> String {
        parametersJSON(parameters).canonicalText
    }
}

extension SweepWindow {
    init?(json: JSONValue?) {
        guard let startText = json?["start"]?.stringValue, let endText = json?["end"]?.stringValue,
              let start = ISO8601Timestamp.milliseconds(from: startText), let end = ISO8601Timestamp.milliseconds(from: endText) else { return nil }
        self.init(start: start, end: end)
    }
}

/// Versions that go into every cell id.
public enum SweepIdentity {
    /// Bump when a change to the engine, the broker or the metrics changes any result: cells
    /// planned by another engine version then get other ids and never merge with these.
    public static let engineVersion = "engine-1"

    /// A fingerprint of the strategy's parameter schema (names, types, defaults, bounds), so a
    /// changed default or bound changes every cell id of that strategy.
    public static func strategyVersion(_ name: String) -> String {
        var hasher = FNV1a()
        hasher.combine(name)
        if let type = try? StrategyRegistry.strategyType(named: name) {
            for spec in type.parameters {
                hasher.combine("|\(spec.name):\(spec.type.rawValue):\(spec.defaultValue?.description ?? "-"):\(spec.minimum.map { String($0) } ?? "-"):\(spec.maximum.map { String($0) } ?? "-"):\((spec.allowedValues ?? []).joined(separator: ","))")
            }
        }
        return hasher.hex
    }
}
