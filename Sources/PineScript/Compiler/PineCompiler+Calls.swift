import TradingCore

extension PineCompiler {
    func compileCall(_ callee: String, typeArgument: String?, arguments: [Argument], at location: SourceLocation,
                     length: Int, in scope: Scope) throws -> CompiledValue {
        var name = callee
        if callee.hasPrefix(".") {
            // Method syntax: `a.push(x)` is `array.push(a, x)`; the receiver's type picks the namespace.
            let receiver = try compileExpression(arguments[0].value, in: scope)
            switch receiver.type {
            case .array: name = "array" + callee
            case .string: name = "str" + callee
            default:
                throw error("'\(callee.dropFirst())' is not a method of \(receiver.type)", at: location, length: length)
            }
        } else if case .function(let function)? = scope.lookup(callee) {
            return try compileUserCall(function, arguments: arguments, at: location, in: scope)
        } else if let dot = callee.firstIndex(of: "."), case .array? = arrayBinding(String(callee[..<dot]), in: scope) {
            // `myArray.push(x)` parsed as one dotted name.
            let receiver = String(callee[..<dot])
            name = "array" + callee[dot...]
            let receiverArgument = Argument(label: nil, value: .name(receiver, location, length: receiver.count), location: location)
            return try compileCall(name, typeArgument: typeArgument, arguments: [receiverArgument] + arguments, at: location, length: length, in: scope)
        }
        guard let builtin = builtins[name] else {
            throw error(unknownFunctionMessage(name), at: location, length: length)
        }
        var bound: [String: Expr] = [:]
        var variadic: [Expr] = []
        var positional = 0
        for argument in arguments {
            if let label = argument.label {
                guard builtin.parameters.contains(label) else {
                    if builtin.ignoresArguments { continue }
                    throw error("'\(label)' is not a parameter of '\(name)' (its parameters: \(builtin.parameters.joined(separator: ", ")))",
                                at: argument.location, length: label.count)
                }
                if bound[label] != nil { throw error("'\(label)' is given twice", at: argument.location, length: label.count) }
                bound[label] = argument.value
            } else if positional < builtin.parameters.count, builtin.parameters[positional] != "..." {
                bound[builtin.parameters[positional]] = argument.value
                positional += 1
            } else {
                variadic.append(argument.value)
            }
        }
        if !variadic.isEmpty, !builtin.parameters.contains("..."), !builtin.ignoresArguments {
            throw error("too many arguments for '\(name)': it takes \(builtin.parameters.count)", at: variadic[0].location)
        }
        let call = BuiltinCall(compiler: self, name: name, location: location, scope: scope, bound: bound, variadic: variadic, typeArgument: typeArgument)
        return try builtin.compile(call)
    }

    private func arrayBinding(_ name: String, in scope: Scope) -> PineType? {
        if case .array(_, let element)? = scope.lookup(name) { return .array(element) }
        return nil
    }

    func unknownFunctionMessage(_ name: String) -> String {
        let namespace = name.split(separator: ".").first.map(String.init) ?? name
        if Self.unsupportedNamespaces.contains(namespace) || Self.unsupportedFunctions.contains(name) {
            return "\(name) is not supported yet"
        }
        if let suggestion = Self.closest(to: name, in: Array(builtins.keys)) {
            return "could not find function '\(name)'; did you mean '\(suggestion)'?"
        }
        if Self.knownNamespaces.contains(namespace) { return "\(name) is not supported yet" }
        return "could not find function or function reference '\(name)'"
    }

    /// The nearest known name within two edits (and in the same namespace), for "did you mean".
    static func closest(to name: String, in candidates: [String]) -> String? {
        let namespace = name.split(separator: ".").dropLast().joined(separator: ".")
        let base = name.split(separator: ".").last.map(String.init) ?? name
        // Short names are one edit from many others: suggest only close calls.
        let limit = base.count < 5 ? 1 : 2
        var best: (String, Int)?
        for candidate in candidates where candidate.split(separator: ".").dropLast().joined(separator: ".") == namespace {
            let distance = editDistance(name, candidate, limit: limit)
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previous = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }

    /// Built-in variable names, for suggestions.
    static let builtinVariableNames: [String] = [
        "open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4", "hlcc4", "time", "time_close", "bar_index",
        "last_bar_index", "last_bar_time", "year", "month", "dayofmonth", "dayofweek", "hour", "minute", "second",
        "barstate.isfirst", "barstate.islast", "barstate.ishistory", "barstate.isrealtime", "barstate.isnew",
        "barstate.isconfirmed", "barstate.islastconfirmedhistory", "syminfo.mintick", "syminfo.mincontract",
        "syminfo.pointvalue", "syminfo.ticker", "syminfo.tickerid", "syminfo.currency", "syminfo.basecurrency",
        "timeframe.period", "timeframe.multiplier", "timeframe.isintraday", "timeframe.isdaily", "math.pi", "math.e",
        "strategy.position_size", "strategy.position_avg_price", "strategy.position_entry_name", "strategy.equity",
        "strategy.netprofit", "strategy.openprofit", "strategy.grossprofit", "strategy.grossloss", "strategy.max_drawdown",
        "strategy.max_runup", "strategy.initial_capital", "strategy.opentrades", "strategy.closedtrades",
        "strategy.wintrades", "strategy.losstrades", "strategy.eventrades", "ta.tr", "ta.obv", "ta.accdist", "ta.pvi",
        "ta.nvi", "ta.pvt", "ta.wad", "ta.wvad", "ta.iii", "ta.vwap",
    ] + Array(PineCompiler.strategyConstants.keys) + Array(PineCompiler.namedColors.keys)

    static let unsupportedFunctions: Set<String> = ["timestamp", "library", "max_bars_back", "fixnan_all", "ticker", "time_tradingday", "dayofweek"]

    func makeBuiltinTable() -> [String: BuiltinFunction] {
        var table: [String: BuiltinFunction] = [:]
        for part in [coreBuiltins(), mathBuiltins(), stringBuiltins(), inputBuiltins(), displayBuiltins(),
                     arrayBuiltins(), taBuiltins(), strategyBuiltins()] {
            table.merge(part) { first, _ in first }
        }
        return table
    }

    // MARK: - Core

    func coreBuiltins() -> [String: BuiltinFunction] {
        var table: [String: BuiltinFunction] = [:]
        table["na"] = BuiltinFunction(parameters: ["x"]) { call in
            let value = try call.required("x")
            switch value.code {
            case .number:
                let operand = try call.compiler.numberOperand(value, at: call.location)
                return .bool { operand.value($0).isNaN }
            case .bool: return .constantBool(false)
            case .string(let code): _ = code; return .constantBool(false)
            case .array(let code): return .bool { code($0) == nil }
            default: throw call.compiler.error("na() takes a value", at: call.location)
            }
        }
        table["nz"] = BuiltinFunction(parameters: ["source", "replacement"]) { call in
            let value = try call.required("source")
            if value.type == .bool { return value }
            let source = try call.number("source")
            let replacement = try call.optionalNumber("replacement") ?? { _ in 0 }
            return .number(value.type == .int ? .int : value.type) { let x = source($0); return x.isNaN ? replacement($0) : x }
        }
        table["fixnan"] = BuiltinFunction(parameters: ["source"]) { call in
            let source = try call.number("source")
            let box = StateBox(Double.nan)
            return .number { runtime in
                let x = source(runtime)
                if !x.isNaN { box.state = x }
                return box.state
            }
        }
        for (name, type) in [("int", PineType.int), ("float", .float)] {
            table[name] = BuiltinFunction(parameters: ["x"]) { call in
                let value = try call.required("x")
                if value.isNA { return CompiledValue(type: type, code: .number { _ in .nan }, constant: .number(.nan), isNA: true) }
                let code = try call.number("x")
                if type == .int {
                    if case .number(let n)? = value.constant { return .constantNumber(n.rounded(.towardZero), type: .int) }
                    return .number(.int) { code($0).rounded(.towardZero) }
                }
                var result = value
                result.type = .float
                return result
            }
        }
        table["bool"] = BuiltinFunction(parameters: ["x"]) { call in
            let code = try call.compiler.boolCode(try call.required("x"), at: call.location)
            return .bool(code)
        }
        table["string"] = BuiltinFunction(parameters: ["x"]) { call in try call.required("x") }
        table["color"] = BuiltinFunction(parameters: ["x"]) { call in try call.required("x") }
        table["runtime.error"] = BuiltinFunction(parameters: ["message"]) { call in
            let message = try call.string("message")
            let location = call.location
            return .void { runtime in runtime.fail(message(runtime), at: location) }
        }
        table["time"] = BuiltinFunction(parameters: ["timeframe", "session", "timezone"]) { call in
            guard let timeframe = try call.value("timeframe"), case .string(let text)? = timeframe.constant,
                  text.isEmpty || text == call.compiler.environment.timeframe.map(PineCompiler.timeframeText) else {
                throw call.compiler.error("time() with another timeframe or a session is not supported yet", at: call.location)
            }
            return .number(.int) { Double($0.bar.openTime) }
        }
        return table
    }

    // MARK: - Built-in variables

    func builtinVariable(_ name: String, at location: SourceLocation) throws -> CompiledValue? {
        if let field = BarField(rawValue: name) {
            let type: PineType = field == .barIndex || field == .time || field == .timeClose ? .int : .float
            var value: CompiledValue
            switch field {
            case .close: value = .number(type) { $0.barStorage[$0.barIndex].close }
            case .open: value = .number(type) { $0.barStorage[$0.barIndex].open }
            case .high: value = .number(type) { $0.barStorage[$0.barIndex].high }
            case .low: value = .number(type) { $0.barStorage[$0.barIndex].low }
            case .barIndex: value = .number(type) { Double($0.barIndex) }
            default: value = .number(type) { field.value($0, $0.barIndex) }
            }
            value.sourceName = name
            return value
        }
        let environment = self.environment
        switch name {
        case "last_bar_index": return .number(.int) { Double($0.lastBarIndex) }
        case "last_bar_time": return .number(.int) { runtime in Double(runtime.bars.last?.openTime ?? 0) }
        case "barstate.isfirst": return .bool { $0.barIndex == 0 }
        case "barstate.islast": return .bool { $0.barIndex == $0.lastBarIndex }
        case "barstate.ishistory": return .constantBool(true)
        case "barstate.isrealtime": return .constantBool(false)
        case "barstate.isnew", "barstate.isconfirmed": return .constantBool(true)
        case "barstate.islastconfirmedhistory": return .bool { $0.barIndex == $0.lastBarIndex }
        case "syminfo.mintick": return .constantNumber(environment.minTick)
        case "syminfo.mincontract", "syminfo.pointvalue":
            return .constantNumber(name == "syminfo.pointvalue" ? 1 : environment.quantityStep)
        case "syminfo.ticker", "syminfo.tickerid", "syminfo.root", "syminfo.description":
            return .constantString(environment.ticker)
        case "syminfo.currency": return .constantString(environment.currency)
        case "syminfo.basecurrency": return .constantString(environment.baseCurrency)
        case "syminfo.type": return .constantString("crypto")
        case "syminfo.timezone": return .constantString("Etc/UTC")
        case "syminfo.session": return .constantString("24x7")
        case "timeframe.period", "timeframe.main_period":
            return .constantString(environment.timeframe.map(Self.timeframeText) ?? "")
        case "timeframe.multiplier":
            return .constantNumber(Double(environment.timeframe.map(Self.timeframeMultiplier) ?? 1), type: .int)
        case "timeframe.isintraday", "timeframe.isminutes", "timeframe.isseconds", "timeframe.isdaily", "timeframe.isweekly",
             "timeframe.ismonthly", "timeframe.isdwm", "timeframe.isticks":
            let seconds = environment.timeframe.map { Int($0.milliseconds / 1000) } ?? 3600
            let flags: [String: Bool] = [
                "timeframe.isintraday": seconds < 86_400, "timeframe.isminutes": seconds >= 60 && seconds < 86_400,
                "timeframe.isseconds": seconds < 60, "timeframe.isdaily": seconds >= 86_400 && seconds < 604_800,
                "timeframe.isweekly": seconds >= 604_800 && seconds < 2_419_200, "timeframe.ismonthly": seconds >= 2_419_200,
                "timeframe.isdwm": seconds >= 86_400, "timeframe.isticks": false,
            ]
            return .constantBool(flags[name] ?? false)
        case "year", "month", "dayofmonth", "dayofweek", "hour", "minute", "second":
            // The exchange time zone is UTC (crypto venues and the sim exchange).
            return .number(.int) { runtime in Double(CalendarFields.field(name, of: runtime.barStorage[runtime.barIndex].openTime)) }
        case "dayofweek.sunday": return .constantNumber(1, type: .int)
        case "dayofweek.monday": return .constantNumber(2, type: .int)
        case "dayofweek.tuesday": return .constantNumber(3, type: .int)
        case "dayofweek.wednesday": return .constantNumber(4, type: .int)
        case "dayofweek.thursday": return .constantNumber(5, type: .int)
        case "dayofweek.friday": return .constantNumber(6, type: .int)
        case "dayofweek.saturday": return .constantNumber(7, type: .int)
        case "math.pi": return .constantNumber(Double.pi)
        case "math.e": return .constantNumber(2.718281828459045)
        case "math.phi": return .constantNumber(1.618033988749895)
        case "math.rphi": return .constantNumber(0.6180339887498949)
        case "true": return .constantBool(true)
        default: break
        }
        if let color = Self.namedColors[name] { return .constantNumber(Double(color), type: .color) }
        if let value = try strategyVariable(name, at: location) { return value }
        if let value = globalBuiltinSeries(name) { return value }
        let namespace = name.split(separator: ".").first.map(String.init) ?? ""
        if Self.displayConstantNamespaces.contains(namespace), name.contains(".") {
            return .constantString(name)
        }
        return nil
    }

    /// `ta.obv`, `ta.vwap`, …: series TradingView computes on every bar whether or not the
    /// script reads them on that bar, so they update once per bar before the script runs.
    func globalBuiltinSeries(_ name: String) -> CompiledValue? {
        if let variable = globalSeries[name] { return .number { _ in variable.value } }
        guard let value = taVariable(name), case .number(let code) = value.code else { return nil }
        let variable = SeriesVariable()
        globalSeries[name] = variable
        variables.append(variable)
        perBarUpdates.append { runtime in variable.commit(code(runtime)) }
        return .number { _ in variable.value }
    }

    static let displayConstantNamespaces: Set<String> = ["plot", "shape", "location", "size", "display", "format", "position", "extend",
        "xloc", "yloc", "text", "font", "hline", "line", "label", "order", "currency", "alert", "scale", "barmerge", "dayofweek", "session", "adjustment"]

    static let namedColors: [String: UInt32] = [
        "color.aqua": 0x00BCD4FF, "color.black": 0x363A45FF, "color.blue": 0x2196F3FF, "color.fuchsia": 0xE040FBFF,
        "color.gray": 0x787B86FF, "color.green": 0x4CAF50FF, "color.lime": 0x00E676FF, "color.maroon": 0x880E4FFF,
        "color.navy": 0x311B92FF, "color.olive": 0x808000FF, "color.orange": 0xFF9800FF, "color.purple": 0x9C27B0FF,
        "color.red": 0xFF5252FF, "color.silver": 0xB2B5BEFF, "color.teal": 0x00897BFF, "color.white": 0xFFFFFFFF,
        "color.yellow": 0xFFEB3BFF,
    ]

    static func timeframeText(_ timeframe: Timeframe) -> String {
        let seconds = Int(timeframe.milliseconds / 1000)
        if seconds % 604_800 == 0 { return "\(seconds / 604_800)W" }
        if seconds % 86_400 == 0 { return seconds == 86_400 ? "D" : "\(seconds / 86_400)D" }
        if seconds % 60 == 0 { return "\(seconds / 60)" }
        return "\(seconds)S"
    }

    static func timeframeMultiplier(_ timeframe: Timeframe) -> Int {
        let seconds = Int(timeframe.milliseconds / 1000)
        if seconds % 604_800 == 0 { return seconds / 604_800 }
        if seconds % 86_400 == 0 { return seconds / 86_400 }
        if seconds % 60 == 0 { return seconds / 60 }
        return seconds
    }
}
