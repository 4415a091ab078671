/// `input*()` calls become the script's parameters; `indicator()`, `plot()` and the drawing calls.
extension PineCompiler {
    func inputBuiltins() -> [String: BuiltinFunction] {
        var t: [String: BuiltinFunction] = [:]
        let common = ["defval", "title", "tooltip", "inline", "group", "confirm", "display", "active"]
        t["input"] = BuiltinFunction(parameters: ["defval", "title", "tooltip", "inline", "group", "confirm", "display", "active", "options", "minval", "maxval", "step"]) { [unowned self] call in
            let value = try call.required("defval")
            if value.sourceName != nil { return try self.compileInput(call, kind: .source) }
            switch value.type {
            case .int: return try self.compileInput(call, kind: .int)
            case .bool: return try self.compileInput(call, kind: .bool)
            case .string: return try self.compileInput(call, kind: .string)
            case .color: return try self.compileInput(call, kind: .color)
            default: return try self.compileInput(call, kind: .float)
            }
        }
        for (name, kind) in [("input.int", PineInputSpec.Kind.int), ("input.float", .float)] {
            t[name] = BuiltinFunction(parameters: ["defval", "title", "minval", "maxval", "step", "tooltip", "inline", "group", "confirm", "options", "display", "active"]) { [unowned self] call in
                try self.compileInput(call, kind: kind)
            }
        }
        t["input.bool"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .bool) }
        t["input.string"] = BuiltinFunction(parameters: ["defval", "title", "options", "tooltip", "inline", "group", "confirm", "display", "active"]) { [unowned self] call in
            try self.compileInput(call, kind: .string)
        }
        t["input.source"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .source) }
        t["input.color"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .color) }
        t["input.timeframe"] = BuiltinFunction(parameters: ["defval", "title", "options", "tooltip", "inline", "group", "confirm", "display", "active"]) { [unowned self] call in
            try self.compileInput(call, kind: .timeframe)
        }
        t["input.session"] = BuiltinFunction(parameters: ["defval", "title", "options", "tooltip", "inline", "group", "confirm", "display", "active"]) { [unowned self] call in
            try self.compileInput(call, kind: .session)
        }
        t["input.price"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .price) }
        t["input.symbol"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .symbol) }
        t["input.time"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .time) }
        t["input.text_area"] = BuiltinFunction(parameters: common) { [unowned self] call in try self.compileInput(call, kind: .string) }
        return t
    }

    private func compileInput(_ call: BuiltinCall, kind: PineInputSpec.Kind) throws -> CompiledValue {
        let defaultValue = try call.required("defval")
        let title = try call.constantString("title", default: declaringName ?? "Input \(inputs.count + 1)")
        var minimum: Double?, maximum: Double?, step: Double?
        if call.has("minval") { minimum = try call.constantDouble("minval", default: 0) }
        if call.has("maxval") { maximum = try call.constantDouble("maxval", default: 0) }
        if call.has("step") { step = try call.constantDouble("step", default: 0) }
        var options: [String] = []
        if let optionsExpr = call.bound["options"] {
            guard case .tuple(let elements, _) = optionsExpr else {
                throw error("'options' is a list in brackets: options=[\"A\", \"B\"]", at: optionsExpr.location)
            }
            for element in elements {
                let value = try compileExpression(element, in: call.scope)
                switch value.constant {
                case .string(let text)?: options.append(text)
                case .number(let n)?: options.append(Self.text(of: n, isInt: value.type == .int))
                case .bool(let flag)?: options.append(flag ? "true" : "false")
                default: throw error("options must be constants", at: element.location)
                }
            }
        }
        let defaultText: String
        if kind == .source {
            guard let source = defaultValue.sourceName else {
                throw error("input.source() takes a price series as its default (close, open, hl2 …)", at: call.location(of: "defval"))
            }
            defaultText = source
        } else {
            switch defaultValue.constant {
            case .number(let n)?: defaultText = Self.text(of: n, isInt: kind == .int)
            case .bool(let flag)?: defaultText = flag ? "true" : "false"
            case .string(let text)?: defaultText = text
            case nil: throw error("an input's default must be a constant", at: call.location(of: "defval"))
            }
        }
        let variable = declaringName
        var text = defaultText
        for key in [title, variable].compactMap({ $0 }) where inputOverrides[key] != nil {
            text = inputOverrides[key]!
            usedOverrides.insert(key)
            break
        }
        let spec = PineInputSpec(variable: variable, title: title, kind: kind, defaultValue: defaultText, value: text,
                                 minimum: minimum, maximum: maximum, step: step, options: options, line: call.location.line)
        inputs.append(spec)
        return try inputValue(spec, at: call.location, in: call.scope)
    }

    static func text(of number: Double, isInt: Bool) -> String {
        if isInt || (number == number.rounded() && abs(number) < 1e15) {
            return isInt ? String(Int64(number)) : String(Int64(number)) + (isInt ? "" : ".0")
        }
        return "\(number)"
    }

    /// The value an input takes for this run, validated against its type, bounds and options.
    private func inputValue(_ spec: PineInputSpec, at location: SourceLocation, in scope: Scope) throws -> CompiledValue {
        let text = spec.value
        func fail(_ message: String) -> Abort {
            error("input '\(spec.title)': \(message)", at: location)
        }
        if !spec.options.isEmpty, !spec.options.contains(text) {
            throw fail("'\(text)' is not one of its options: \(spec.options.joined(separator: ", "))")
        }
        switch spec.kind {
        case .int, .float, .price, .time:
            guard let number = Double(text), number.isFinite else { throw fail("'\(text)' is not a number") }
            if spec.kind == .int, number != number.rounded() { throw fail("'\(text)' is not an integer") }
            if let minimum = spec.minimum, number < minimum { throw fail("\(text) is below its minimum \(Self.text(of: minimum, isInt: spec.kind == .int))") }
            if let maximum = spec.maximum, number > maximum { throw fail("\(text) is above its maximum \(Self.text(of: maximum, isInt: spec.kind == .int))") }
            return .constantNumber(number, type: spec.kind == .int || spec.kind == .time ? .int : .float)
        case .bool:
            guard text == "true" || text == "false" else { throw fail("'\(text)' is not true or false") }
            return .constantBool(text == "true")
        case .string, .timeframe, .session, .symbol:
            return .constantString(text)
        case .color:
            guard let number = Double(text) else { throw fail("colors are given as numbers") }
            return .constantNumber(number, type: .color)
        case .source:
            guard BarField(rawValue: text) != nil, !["time", "time_close", "bar_index"].contains(text) else {
                throw fail("'\(text)' is not a price source (open, high, low, close, volume, hl2, hlc3, ohlc4, hlcc4)")
            }
            return try compileName(text, at: location, length: 1, in: scope)
        }
    }

    // MARK: - Declarations and display

    func displayBuiltins() -> [String: BuiltinFunction] {
        var t: [String: BuiltinFunction] = [:]
        t["indicator"] = BuiltinFunction(parameters: ["title", "shorttitle", "overlay", "format", "precision", "scale", "max_bars_back",
            "timeframe", "timeframe_gaps", "explicit_plot_zorder", "max_lines_count", "max_labels_count", "max_boxes_count",
            "calc_bars_count", "max_polylines_count", "dynamic_requests", "behind_chart"]) { [unowned self] call in
            guard self.declaration.title.isEmpty else { throw self.error("a script has one declaration statement", at: call.location) }
            self.declaration.kind = .indicator
            self.declaration.title = try call.constantString("title", default: "")
            self.declaration.overlay = try call.constantBool("overlay", default: false)
            self.declaration.maxBarsBack = try self.maxBarsBack(call)
            if call.has("timeframe"), try call.constantString("timeframe", default: "") != "" {
                throw self.error("indicator(timeframe=) is not supported yet", at: call.location(of: "timeframe"))
            }
            return .noOp
        }
        t["study"] = BuiltinFunction(parameters: ["title"]) { [unowned self] call in
            throw self.error("study() is Pine v4; v5 uses indicator()", at: call.location)
        }
        t["library"] = BuiltinFunction(parameters: ["title"]) { [unowned self] call in
            throw self.error("library scripts are not supported yet", at: call.location)
        }
        t["plot"] = BuiltinFunction(parameters: ["series", "title", "color", "linewidth", "style", "trackprice", "histbase", "offset",
            "join", "editable", "show_last", "display", "format", "precision", "force_overlay", "linestyle"]) { [unowned self] call in
            let value = try call.required("series")
            let code: NumberCode
            if value.type == .bool {
                let flag = try call.bool("series")
                code = { flag($0) ? 1 : 0 }
            } else {
                code = try call.number("series")
            }
            let title = try call.has("title") ? call.constantString("title", default: "") : "Plot \(self.plots.count + 1)"
            let recorder = PlotRecorder(title: title)
            self.plots.append(recorder)
            return .void { runtime in recorder.values.append(code(runtime)) }
        }
        // Accepted so pasted scripts compile; they draw nothing in a backtest.
        for name in ["plotshape", "plotchar", "plotarrow", "plotbar", "plotcandle", "bgcolor", "barcolor", "hline", "fill", "alert",
                     "alertcondition", "label.new", "label.delete", "label.set_xy", "label.set_x", "label.set_y", "label.set_text",
                     "label.set_color", "label.set_textcolor", "label.set_style", "label.set_size", "label.set_tooltip",
                     "line.new", "line.delete", "line.set_xy1", "line.set_xy2", "line.set_x1", "line.set_x2", "line.set_y1", "line.set_y2",
                     "line.set_color", "line.set_width", "line.set_style", "line.set_extend", "box.new", "box.delete", "box.set_lefttop",
                     "box.set_rightbottom", "box.set_bgcolor", "box.set_border_color", "box.set_text", "box.set_right", "box.set_left",
                     "box.set_top", "box.set_bottom", "table.new", "table.cell", "table.delete", "table.clear", "table.cell_set_text",
                     "table.cell_set_bgcolor", "table.cell_set_text_color", "log.info", "log.warning", "log.error"] {
            t[name] = BuiltinFunction(parameters: [], ignoresArguments: true) { _ in .noOp }
        }
        // Drawing objects: a handle that is never dereferenced (na), so `l = label.new(…)` compiles.
        for name in ["label.new", "line.new", "box.new", "table.new", "linefill.new", "label.copy", "line.copy", "box.copy"] {
            t[name] = BuiltinFunction(parameters: [], ignoresArguments: true) { _ in .number(.float) { _ in .nan } }
        }
        for name in ["color.new", "color.rgb", "color.from_gradient"] {
            t[name] = BuiltinFunction(parameters: [], ignoresArguments: true) { _ in .constantNumber(0, type: .color) }
        }
        for name in ["color.r", "color.g", "color.b", "color.t"] {
            t[name] = BuiltinFunction(parameters: [], ignoresArguments: true) { _ in .constantNumber(0) }
        }
        return t
    }
}
