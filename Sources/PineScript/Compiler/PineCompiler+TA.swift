import TradingCore

/// The `ta.*` library: each call site gets its own state struct (Sources/PineScript/TA), created
/// at compile time with its constant lengths, and updated once per execution.
extension PineCompiler {
    // MARK: - Glue helpers

    // The state lives in a variable the closure captures (not in a generic box class, whose
    // field offsets would be looked up in its type metadata on every access).
    @inline(__always)
    private func series<S>(_ initial: S, _ source: NumberOperand, _ step: @escaping (inout S, Double) -> Double) -> CompiledValue {
        var state = initial
        stateResets.append { state = initial }
        return .number { runtime in step(&state, source.value(runtime)) }
    }

    @inline(__always)
    private func barSeries<S>(_ initial: S, type: PineType = .float, _ step: @escaping (inout S, Bar) -> Double) -> CompiledValue {
        var state = initial
        stateResets.append { state = initial }
        return .number(type) { runtime in step(&state, runtime.barStorage[runtime.barIndex]) }
    }

    @inline(__always)
    private func condition<S>(_ initial: S, _ step: @escaping (inout S, PineRuntime) -> Bool) -> CompiledValue {
        var state = initial
        stateResets.append { state = initial }
        return .bool { runtime in step(&state, runtime) }
    }

    /// A tuple-returning function: one step stores every output; the parts read them.
    @inline(__always)
    private func tuple<S>(_ initial: S, count: Int, _ step: @escaping (inout S, PineRuntime) -> [Double]) -> CompiledValue {
        var state = initial
        let outputs = TupleOutputs(count: count)
        stateResets.append { state = initial }
        let parts = (0..<count).map { index in CompiledValue.number { _ in outputs.values[index] } }
        var value = CompiledValue(type: .tuple(parts.map(\.type)), code: .tuple(parts))
        value.prepare = { runtime in outputs.values = step(&state, runtime) }
        return value
    }

    private func lengthOf(_ call: BuiltinCall, _ name: String = "length", default defaultValue: Int? = nil) throws -> Int {
        try call.constantInt(name, default: defaultValue, minimum: 1)
    }

    // MARK: - Functions

    func taBuiltins() -> [String: BuiltinFunction] {
        var t: [String: BuiltinFunction] = [:]
        func lengthFunction(_ name: String, source: String = "source", _ make: @escaping (Int, NumberOperand) -> CompiledValue) {
            t[name] = BuiltinFunction(parameters: [source, "length"]) { [unowned self] call in
                let length = try self.lengthOf(call)
                return make(length, try call.operand(source))
            }
        }
        lengthFunction("ta.sma") { n, s in self.series(TASMA(length: n), s) { $0.update($1) } }
        lengthFunction("ta.ema") { n, s in self.series(TAEMA(length: n), s) { $0.update($1) } }
        lengthFunction("ta.rma") { n, s in self.series(TARMA(length: n), s) { $0.update($1) } }
        lengthFunction("ta.wma") { n, s in self.series(TAWMA(length: n), s) { $0.update($1) } }
        lengthFunction("ta.hma") { n, s in self.series(TAHMA(length: n), s) { $0.update($1) } }
        lengthFunction("ta.rsi") { n, s in self.series(TARSI(length: n), s) { $0.update($1) } }
        lengthFunction("ta.dev") { n, s in self.series(TADev(length: n), s) { $0.update($1) } }
        lengthFunction("ta.cci") { n, s in self.series(TACCI(length: n), s) { $0.update($1) } }
        lengthFunction("ta.cmo", source: "series") { n, s in self.series(TACMO(length: n), s) { $0.update($1) } }
        lengthFunction("ta.mom") { n, s in self.series(TAChange(length: n), s) { $0.update($1) } }
        lengthFunction("ta.roc") { n, s in self.series(TAROC(length: n), s) { $0.update($1) } }
        lengthFunction("ta.cog") { n, s in self.series(TACOG(length: n), s) { $0.update($1) } }
        lengthFunction("ta.rci") { n, s in self.series(TARCI(length: n), s) { $0.update($1) } }
        lengthFunction("ta.median") { n, s in self.series(TAMedian(length: n), s) { $0.update($1) } }
        lengthFunction("ta.mode") { n, s in self.series(TAMode(length: n), s) { $0.update($1) } }
        lengthFunction("ta.range") { n, s in self.series(TARange(length: n), s) { $0.update($1) } }
        lengthFunction("ta.percentrank") { n, s in self.series(TAPercentRank(length: n), s) { $0.update($1) } }
        t["ta.swma"] = BuiltinFunction(parameters: ["source"]) { [unowned self] call in
            self.series(TASWMA(), try call.operand("source")) { $0.update($1) }
        }
        t["ta.vwma"] = BuiltinFunction(parameters: ["source", "length"]) { [unowned self] call in
            let box = StateBox(TAVWMA(length: try self.lengthOf(call)))
            let source = try call.number("source")
            return .number { runtime in box.state.update(source(runtime), volume: runtime.bar.volume) }
        }
        t["ta.mfi"] = BuiltinFunction(parameters: ["series", "length"]) { [unowned self] call in
            let box = StateBox(TAMFI(length: try self.lengthOf(call)))
            let source = try call.number("series")
            return .number { runtime in box.state.update(source(runtime), volume: runtime.bar.volume) }
        }
        t["ta.alma"] = BuiltinFunction(parameters: ["series", "length", "offset", "sigma", "floor"]) { [unowned self] call in
            let state = TAALMA(length: try self.lengthOf(call), offset: try call.constantDouble("offset", default: 0.85),
                               sigma: try call.constantDouble("sigma", default: 6), floor: try call.constantBool("floor", default: false))
            return self.series(state, try call.operand("series")) { $0.update($1) }
        }
        for name in ["ta.stdev", "ta.variance"] {
            t[name] = BuiltinFunction(parameters: ["source", "length", "biased"]) { [unowned self] call in
                let length = try self.lengthOf(call)
                let biased = try call.constantBool("biased", default: true)
                if name == "ta.stdev" { return self.series(TAStdev(length: length, biased: biased), try call.operand("source")) { $0.update($1) } }
                return self.series(TAVariance(length: length, biased: biased), try call.operand("source")) { $0.update($1) }
            }
        }
        t["ta.change"] = BuiltinFunction(parameters: ["source", "length"]) { [unowned self] call in
            let length = try call.constantInt("length", default: 1, minimum: 1)
            let value = try call.required("source")
            if value.type == .bool {
                let source = try call.bool("source")
                return self.condition(TAChangeBool(length: length)) { $0.update(source($1)) }
            }
            var result = self.series(TAChange(length: length), try call.operand("source")) { $0.update($1) }
            result.type = value.type == .int ? .int : .float
            return result
        }
        t["ta.linreg"] = BuiltinFunction(parameters: ["source", "length", "offset"]) { [unowned self] call in
            let state = TALinReg(length: try self.lengthOf(call), offset: try call.constantInt("offset", default: 0))
            return self.series(state, try call.operand("source")) { $0.update($1) }
        }
        t["ta.tsi"] = BuiltinFunction(parameters: ["source", "short_length", "long_length"]) { [unowned self] call in
            let state = TATSI(shortLength: try self.lengthOf(call, "short_length"), longLength: try self.lengthOf(call, "long_length"))
            return self.series(state, try call.operand("source")) { $0.update($1) }
        }
        t["ta.correlation"] = BuiltinFunction(parameters: ["source1", "source2", "length"]) { [unowned self] call in
            let box = StateBox(TACorrelation(length: try self.lengthOf(call)))
            let a = try call.number("source1"), b = try call.number("source2")
            return .number { runtime in box.state.update(a(runtime), b(runtime)) }
        }
        t["ta.stoch"] = BuiltinFunction(parameters: ["source", "high", "low", "length"]) { [unowned self] call in
            let box = StateBox(TAStoch(length: try self.lengthOf(call)))
            let source = try call.number("source"), high = try call.number("high"), low = try call.number("low")
            return .number { runtime in box.state.update(source(runtime), high: high(runtime), low: low(runtime)) }
        }
        t["ta.wpr"] = BuiltinFunction(parameters: ["length"]) { [unowned self] call in
            self.barSeries(TAWPR(length: try self.lengthOf(call))) { $0.update(high: $1.high, low: $1.low, close: $1.close) }
        }
        t["ta.atr"] = BuiltinFunction(parameters: ["length"]) { [unowned self] call in
            self.barSeries(TAATR(length: try self.lengthOf(call))) { $0.update(high: $1.high, low: $1.low, close: $1.close) }
        }
        t["ta.tr"] = BuiltinFunction(parameters: ["handle_na"]) { [unowned self] call in
            let handle = try call.constantBool("handle_na", default: false)
            return self.barSeries(TATR(handleNA: handle)) { $0.update(high: $1.high, low: $1.low, close: $1.close) }
        }
        t["ta.sar"] = BuiltinFunction(parameters: ["start", "inc", "max"]) { [unowned self] call in
            let state = TASAR(start: try call.constantDouble("start", default: 0.02), increment: try call.constantDouble("inc", default: 0.02),
                              maximum: try call.constantDouble("max", default: 0.2))
            return self.barSeries(state) { $0.update(high: $1.high, low: $1.low, close: $1.close) }
        }
        t["ta.cum"] = BuiltinFunction(parameters: ["source"]) { [unowned self] call in
            self.series(TACum(), try call.operand("source")) { $0.update($1) }
        }
        t["ta.max"] = BuiltinFunction(parameters: ["source"]) { [unowned self] call in
            self.series(TAMax(), try call.operand("source")) { $0.update($1) }
        }
        t["ta.min"] = BuiltinFunction(parameters: ["source"]) { [unowned self] call in
            self.series(TAMin(), try call.operand("source")) { $0.update($1) }
        }
        for (name, percentile) in [("ta.percentile_linear_interpolation", true), ("ta.percentile_nearest_rank", false)] {
            t[name] = BuiltinFunction(parameters: ["source", "length", "percentage"]) { [unowned self] call in
                let length = try self.lengthOf(call)
                let percentage = try call.constantDouble("percentage", default: 50)
                let source = try call.operand("source")
                if percentile { return self.series(TAPercentileLinearInterpolation(length: length, percentage: percentage), source) { $0.update($1) } }
                return self.series(TAPercentileNearestRank(length: length, percentage: percentage), source) { $0.update($1) }
            }
        }
        // highest/lowest(source, length) and the one-argument forms on high/low.
        for (name, usesHigh) in [("ta.highest", true), ("ta.lowest", false), ("ta.highestbars", true), ("ta.lowestbars", false)] {
            t[name] = BuiltinFunction(parameters: ["source", "length"]) { [unowned self] call in
                let length: Int
                let source: NumberOperand
                if call.has("length") {
                    length = try self.lengthOf(call)
                    source = try call.operand("source")
                } else {
                    length = try call.constantInt("source", minimum: 1)
                    source = usesHigh ? .high : .low
                }
                switch name {
                case "ta.highest": return self.series(TAHighest(length: length), source) { $0.update($1) }
                case "ta.lowest": return self.series(TALowest(length: length), source) { $0.update($1) }
                case "ta.highestbars":
                    var v = self.series(TAHighestBars(length: length), source) { $0.update($1) }; v.type = .int; return v
                default:
                    var v = self.series(TALowestBars(length: length), source) { $0.update($1) }; v.type = .int; return v
                }
            }
        }
        for (name, isHigh) in [("ta.pivothigh", true), ("ta.pivotlow", false)] {
            t[name] = BuiltinFunction(parameters: ["source", "leftbars", "rightbars"]) { [unowned self] call in
                let left: Int, right: Int
                let source: NumberOperand
                if call.has("rightbars") {
                    left = try call.constantInt("leftbars", minimum: 0)
                    right = try call.constantInt("rightbars", minimum: 0)
                    source = try call.operand("source")
                } else {
                    left = try call.constantInt("source", minimum: 0)
                    right = try call.constantInt("leftbars", minimum: 0)
                    source = isHigh ? .high : .low
                }
                return self.series(TAPivot(leftBars: left, rightBars: right, isHigh: isHigh), source) { $0.update($1) }
            }
        }
        for name in ["ta.crossover", "ta.crossunder", "ta.cross"] {
            t[name] = BuiltinFunction(parameters: ["source1", "source2"]) { [unowned self] call in
                let a = try call.operand("source1"), b = try call.operand("source2")
                switch name {
                case "ta.crossover": return self.condition(TACrossover()) { $0.update(a.value($1), b.value($1)) }
                case "ta.crossunder": return self.condition(TACrossunder()) { $0.update(a.value($1), b.value($1)) }
                default: return self.condition(TACross()) { $0.update(a.value($1), b.value($1)) }
                }
            }
        }
        for name in ["ta.rising", "ta.falling"] {
            t[name] = BuiltinFunction(parameters: ["source", "length"]) { [unowned self] call in
                let length = try self.lengthOf(call)
                let source = try call.operand("source")
                return self.condition(TAMonotoneRun(length: length, rising: name == "ta.rising")) { $0.update(source.value($1)) }
            }
        }
        t["ta.barssince"] = BuiltinFunction(parameters: ["condition"]) { [unowned self] call in
            let test = try call.bool("condition")
            let box = StateBox(TABarssince())
            self.stateResets.append { box.state = TABarssince() }
            return .number(.int) { runtime in box.state.update(test(runtime)) }
        }
        t["ta.valuewhen"] = BuiltinFunction(parameters: ["condition", "source", "occurrence"]) { [unowned self] call in
            let test = try call.bool("condition")
            let source = try call.number("source")
            let occurrence = try call.constantInt("occurrence", minimum: 0)
            let box = StateBox(TAValuewhen(occurrence: occurrence))
            self.stateResets.append { box.state = TAValuewhen(occurrence: occurrence) }
            let type = try call.required("source").type
            return .number(type == .int ? .int : .float) { runtime in box.state.update(test(runtime), source(runtime)) }
        }
        // Tuple-returning functions.
        t["ta.macd"] = BuiltinFunction(parameters: ["source", "fastlen", "slowlen", "siglen"]) { [unowned self] call in
            let state = TAMACD(fastLength: try self.lengthOf(call, "fastlen"), slowLength: try self.lengthOf(call, "slowlen"),
                               signalLength: try self.lengthOf(call, "siglen"))
            let source = try call.number("source")
            return self.tuple(state, count: 3) { state, runtime in
                let r = state.update(source(runtime)); return [r.macd, r.signal, r.histogram]
            }
        }
        t["ta.bb"] = BuiltinFunction(parameters: ["series", "length", "mult"]) { [unowned self] call in
            let state = TABB(length: try self.lengthOf(call), multiplier: try call.constantDouble("mult", default: 2))
            let source = try call.number("series")
            return self.tuple(state, count: 3) { state, runtime in
                let r = state.update(source(runtime)); return [r.middle, r.upper, r.lower]
            }
        }
        t["ta.bbw"] = BuiltinFunction(parameters: ["series", "length", "mult"]) { [unowned self] call in
            let state = TABBW(length: try self.lengthOf(call), multiplier: try call.constantDouble("mult", default: 2))
            return self.series(state, try call.operand("series")) { $0.update($1) }
        }
        t["ta.kc"] = BuiltinFunction(parameters: ["series", "length", "mult", "useTrueRange"]) { [unowned self] call in
            let state = TAKC(length: try self.lengthOf(call), multiplier: try call.constantDouble("mult", default: 2),
                             useTrueRange: try call.constantBool("useTrueRange", default: true))
            let source = try call.number("series")
            return self.tuple(state, count: 3) { state, runtime in
                let bar = runtime.bar
                let r = state.update(source(runtime), high: bar.high, low: bar.low, close: bar.close)
                return [r.0, r.1, r.2]
            }
        }
        t["ta.kcw"] = BuiltinFunction(parameters: ["series", "length", "mult", "useTrueRange"]) { [unowned self] call in
            let box = StateBox(TAKCW(length: try self.lengthOf(call), multiplier: try call.constantDouble("mult", default: 2),
                                     useTrueRange: try call.constantBool("useTrueRange", default: true)))
            let source = try call.number("series")
            return .number { runtime in
                let bar = runtime.bar
                return box.state.update(source(runtime), high: bar.high, low: bar.low, close: bar.close)
            }
        }
        t["ta.dmi"] = BuiltinFunction(parameters: ["diLength", "adxSmoothing"]) { [unowned self] call in
            let state = TADMI(diLength: try self.lengthOf(call, "diLength"), adxSmoothing: try self.lengthOf(call, "adxSmoothing"))
            return self.tuple(state, count: 3) { state, runtime in
                let bar = runtime.bar
                let r = state.update(high: bar.high, low: bar.low, close: bar.close); return [r.plus, r.minus, r.adx]
            }
        }
        t["ta.supertrend"] = BuiltinFunction(parameters: ["factor", "atrPeriod"]) { [unowned self] call in
            let state = TASupertrend(factor: try call.constantDouble("factor", default: 3), atrPeriod: try self.lengthOf(call, "atrPeriod"))
            return self.tuple(state, count: 2) { state, runtime in
                let bar = runtime.bar
                let r = state.update(high: bar.high, low: bar.low, close: bar.close); return [r.supertrend, r.direction]
            }
        }
        t["ta.vwap"] = BuiltinFunction(parameters: ["source", "anchor", "stdev_mult"]) { [unowned self] call in
            let source = try call.number("source")
            let anchor = try self.vwapAnchor(call)
            if call.has("stdev_mult") {
                let state = TAVWAPBands(stdevMultiplier: try call.constantDouble("stdev_mult", default: 1))
                return self.tuple(state, count: 3) { state, runtime in
                    let r = state.update(source(runtime), volume: runtime.bar.volume, anchor: anchor(runtime)); return [r.vwap, r.upper, r.lower]
                }
            }
            let box = StateBox(TAVWAP())
            self.stateResets.append { box.state = TAVWAP() }
            return .number { runtime in box.state.update(source(runtime), volume: runtime.bar.volume, anchor: anchor(runtime)) }
        }
        t["ta.pivot_point_levels"] = BuiltinFunction(parameters: ["type", "anchor", "developing"]) { [unowned self] call in
            let name = try call.constantString("type", default: "Traditional")
            guard let kind = TAPivotPointLevels.Kind(pineName: name) else {
                throw self.error("unknown pivot type '\(name)'; one of: \(TAPivotPointLevels.Kind.allCases.map(\.rawValue).joined(separator: ", "))",
                                 at: call.location(of: "type"))
            }
            let anchor = try call.bool("anchor")
            var state = TAPivotPointLevels(kind: kind, developing: try call.constantBool("developing", default: false))
            let initial = state
            self.stateResets.append { state = initial }
            return CompiledValue(type: .array(.float), code: .array { runtime in
                let bar = runtime.bar
                let levels = state.update(open: bar.open, high: bar.high, low: bar.low, close: bar.close, anchor: anchor(runtime))
                let array = PineArray(elementType: .float, count: 0, initial: .nan)
                array.numbers = (0..<TAPivotLevels.count).map { levels[$0] }
                return array
            })
        }
        // timeframe.change: a new period of `timeframe` starts on this bar (UTC sessions, as crypto).
        t["timeframe.change"] = BuiltinFunction(parameters: ["timeframe"]) { [unowned self] call in
            let text = try call.constantString("timeframe", default: "D")
            guard let unit = Self.periodUnit(text) else {
                throw self.error("timeframe.change(\"\(text)\"): use minutes (\"60\", \"240\"), \"D\", \"W\" or \"M\" (with a multiplier such as \"3D\")",
                                 at: call.location(of: "timeframe"))
            }
            var state = TATimeframeChange(calendar: .utc, unit: unit)
            let initial = state
            self.stateResets.append { state = initial }
            return .bool { runtime in state.update(time: Int(runtime.bar.openTime / 1000)) }
        }
        return t
    }

    /// A Pine timeframe string as a calendar period: `"240"` minutes, `"D"`/`"3D"` days, `"W"`, `"M"`.
    static func periodUnit(_ text: String) -> TATimeframeChange.Unit? {
        let digits = text.prefix { $0.isNumber }
        let suffix = text.dropFirst(digits.count)
        let multiplier = digits.isEmpty ? 1 : Int(digits) ?? 0
        guard multiplier > 0 else { return nil }
        switch suffix {
        case "": return .minutes(multiplier)
        case "D": return .minutes(multiplier * 1440)
        case "W" where multiplier == 1: return .week
        case "M" where multiplier == 1: return .month
        default: return nil
        }
    }

    /// `ta.vwap`'s anchor: the given condition, or a new UTC day (crypto sessions are 24x7).
    private func vwapAnchor(_ call: BuiltinCall) throws -> BoolCode {
        if call.has("anchor") { return try call.bool("anchor") }
        return Self.newUTCDay
    }

    static func newUTCDay(_ runtime: PineRuntime) -> Bool {
        let index = runtime.barIndex
        guard index > 0 else { return true }
        return runtime.barStorage[index].openTime / 86_400_000 != runtime.barStorage[index - 1].openTime / 86_400_000
    }

    // MARK: - Variables (`ta.obv`, `ta.tr`, …)

    func taVariable(_ name: String) -> CompiledValue? {
        switch name {
        case "ta.tr": return barSeries(TATR(handleNA: false)) { $0.update(high: $1.high, low: $1.low, close: $1.close) }
        case "ta.obv": return barSeries(TAOBV()) { $0.update(close: $1.close, volume: $1.volume) }
        case "ta.accdist": return barSeries(TAAccdist()) { $0.update(high: $1.high, low: $1.low, close: $1.close, volume: $1.volume) }
        case "ta.pvi": return barSeries(TAPVI()) { $0.update(close: $1.close, volume: $1.volume) }
        case "ta.nvi": return barSeries(TANVI()) { $0.update(close: $1.close, volume: $1.volume) }
        case "ta.pvt": return barSeries(TAPVT()) { $0.update(close: $1.close, volume: $1.volume) }
        case "ta.wad": return barSeries(TAWAD()) { $0.update(high: $1.high, low: $1.low, close: $1.close) }
        case "ta.wvad": return barSeries(TAWVAD()) { $0.update(open: $1.open, high: $1.high, low: $1.low, close: $1.close, volume: $1.volume) }
        case "ta.iii": return barSeries(TAIII()) { $0.update(high: $1.high, low: $1.low, close: $1.close, volume: $1.volume) }
        case "ta.vwap":
            let box = StateBox(TAVWAP())
            stateResets.append { box.state = TAVWAP() }
            return .number { runtime in
                let bar = runtime.bar
                return box.state.update((bar.high + bar.low + bar.close) / 3, volume: bar.volume, anchor: Self.newUTCDay(runtime))
            }
        default: return nil
        }
    }
}
