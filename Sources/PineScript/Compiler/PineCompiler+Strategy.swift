import TradingCore

/// `strategy()` and the `strategy.*` namespace, compiled onto TradingCore's `TradingViewBroker`.
extension PineCompiler {
    static let strategyConstants: [String: String] = [
        "strategy.long": "long", "strategy.short": "short",
        "strategy.fixed": "fixed", "strategy.cash": "cash", "strategy.percent_of_equity": "percent_of_equity",
        "strategy.commission.percent": "percent", "strategy.commission.cash_per_contract": "cash_per_contract",
        "strategy.commission.cash_per_order": "cash_per_order",
        "strategy.oca.none": "none", "strategy.oca.cancel": "cancel", "strategy.oca.reduce": "reduce",
        "strategy.direction.long": "long", "strategy.direction.short": "short", "strategy.direction.all": "all",
        "strategy.percent_of_equity_risk": "percent_of_equity",
    ]

    func strategyVariable(_ name: String, at location: SourceLocation) throws -> CompiledValue? {
        if let constant = Self.strategyConstants[name] { return .constantString(constant) }
        guard name.hasPrefix("strategy.") else { return nil }
        let number: ((TradingViewBroker) -> Double)?
        switch name {
        case "strategy.position_size": number = { $0.positionSize }
        case "strategy.position_avg_price": number = { $0.positionAveragePrice }
        case "strategy.equity": number = { $0.equity }
        case "strategy.netprofit": number = { $0.netProfit }
        case "strategy.openprofit": number = { $0.openProfit }
        case "strategy.grossprofit": number = { $0.grossProfit }
        case "strategy.grossloss": number = { $0.grossLoss }
        case "strategy.max_drawdown": number = { $0.maxDrawdown }
        case "strategy.max_runup": number = { $0.maxRunup }
        case "strategy.initial_capital": number = { $0.initialCapital }
        case "strategy.opentrades": number = { Double($0.openTradeCount) }
        case "strategy.closedtrades": number = { Double($0.closedTradeCount) }
        case "strategy.wintrades": number = { Double($0.winTrades) }
        case "strategy.losstrades": number = { Double($0.lossTrades) }
        case "strategy.eventrades": number = { Double($0.evenTrades) }
        default: number = nil
        }
        guard let number else {
            if name == "strategy.position_entry_name" {
                try requireStrategy(name, at: location)
                return .string { $0.broker?.positionEntryName ?? "" }
            }
            if name == "strategy.account_currency" { return .constantString(environment.currency) }
            return nil
        }
        try requireStrategy(name, at: location)
        let isCount = ["strategy.opentrades", "strategy.closedtrades", "strategy.wintrades", "strategy.losstrades", "strategy.eventrades"].contains(name)
        return .number(isCount ? .int : .float) { runtime in number(runtime.broker!) }
    }

    private func requireStrategy(_ name: String, at location: SourceLocation) throws {
        guard declaration.kind == .strategy else {
            throw error("\(name) can only be used in a strategy() script", at: location, length: name.count)
        }
    }

    private func direction(_ call: BuiltinCall, _ parameter: String = "direction") throws -> (PineRuntime) -> TradingViewDirection {
        let value = try call.required(parameter)
        if case .string(let text)? = value.constant {
            guard text == "long" || text == "short" else {
                throw error("'\(parameter)' must be strategy.long or strategy.short", at: call.location(of: parameter))
            }
            let direction: TradingViewDirection = text == "long" ? .long : .short
            return { _ in direction }
        }
        let code = try stringCode(value, at: call.location(of: parameter))
        return { code($0) == "long" ? .long : .short }
    }

    private func optionalNumber(_ call: BuiltinCall, _ parameter: String) throws -> ((PineRuntime) -> Double?)? {
        guard let value = try call.value(parameter) else { return nil }
        if value.isNA { return nil }
        let code = try numberCode(value, at: call.location(of: parameter))
        return { let x = code($0); return x.isNaN ? nil : x }
    }

    private func optionalText(_ call: BuiltinCall, _ parameter: String) throws -> ((PineRuntime) -> String?)? {
        guard let value = try call.value(parameter), !value.isNA else { return nil }
        if case .string(let text)? = value.constant { return { _ in text } }
        let code = try stringCode(value, at: call.location(of: parameter))
        return { code($0) }
    }

    private func ocaType(_ call: BuiltinCall) throws -> TradingViewOCAType {
        switch try call.constantString("oca_type", default: "none") {
        case "cancel": return .cancel
        case "reduce": return .reduce
        default: return .none
        }
    }

    func strategyBuiltins() -> [String: BuiltinFunction] {
        var t: [String: BuiltinFunction] = [:]
        t["strategy"] = BuiltinFunction(parameters: ["title", "shorttitle", "overlay", "format", "precision", "scale", "pyramiding",
            "calc_on_order_fills", "calc_on_every_tick", "max_bars_back", "backtest_fill_limits_assumption", "default_qty_type",
            "default_qty_value", "initial_capital", "currency", "slippage", "commission_type", "commission_value",
            "process_orders_on_close", "close_entries_rule", "margin_long", "margin_short", "explicit_plot_zorder",
            "max_lines_count", "max_labels_count", "max_boxes_count", "calc_bars_count", "risk_free_rate", "use_bar_magnifier",
            "fill_orders_on_standard_ohlc", "max_polylines_count", "dynamic_requests", "behind_chart"]) { [unowned self] call in
            try self.compileStrategyDeclaration(call)
            return .noOp
        }
        let entryLike = ["id", "direction", "qty", "limit", "stop", "oca_name", "oca_type", "comment", "alert_message", "disable_alert", "when"]
        for name in ["strategy.entry", "strategy.order"] {
            t[name] = BuiltinFunction(parameters: entryLike) { [unowned self] call in
                try self.requireStrategy(name, at: call.location)
                if call.has("when") { throw self.error("'when' was removed in Pine v5: wrap the call in an if", at: call.location(of: "when")) }
                let id = try call.string("id")
                let direction = try self.direction(call)
                let qty = try self.optionalNumber(call, "qty")
                let limit = try self.optionalNumber(call, "limit")
                let stop = try self.optionalNumber(call, "stop")
                let oca = try self.optionalText(call, "oca_name")
                let ocaType = try self.ocaType(call)
                let comment = try self.optionalText(call, "comment")
                let isEntry = name == "strategy.entry"
                return .void { runtime in
                    let broker = runtime.broker!
                    if isEntry {
                        broker.entry(id: id(runtime), direction: direction(runtime), qty: qty?(runtime), limit: limit?(runtime),
                                     stop: stop?(runtime), ocaName: oca?(runtime), ocaType: ocaType, comment: comment?(runtime))
                    } else {
                        broker.order(id: id(runtime), direction: direction(runtime), qty: qty?(runtime), limit: limit?(runtime),
                                     stop: stop?(runtime), ocaName: oca?(runtime), ocaType: ocaType, comment: comment?(runtime))
                    }
                }
            }
        }
        t["strategy.close"] = BuiltinFunction(parameters: ["id", "comment", "qty", "qty_percent", "alert_message", "immediately", "disable_alert", "when"]) { [unowned self] call in
            try self.requireStrategy("strategy.close", at: call.location)
            let id = try call.string("id")
            let comment = try self.optionalText(call, "comment")
            let qty = try self.optionalNumber(call, "qty")
            let percent = try self.optionalNumber(call, "qty_percent")
            let immediately = try call.constantBool("immediately", default: false)
            // The statement's identity: the same call repeated in a loop on one bar does not stack.
            let site = call.location.line * 10_000 + call.location.column
            return .void { runtime in
                runtime.broker!.close(id: id(runtime), qty: qty?(runtime), qtyPercent: percent?(runtime), comment: comment?(runtime),
                                      immediately: immediately, callSite: site)
            }
        }
        t["strategy.close_all"] = BuiltinFunction(parameters: ["comment", "alert_message", "immediately", "disable_alert", "when"]) { [unowned self] call in
            try self.requireStrategy("strategy.close_all", at: call.location)
            let comment = try self.optionalText(call, "comment")
            let immediately = try call.constantBool("immediately", default: false)
            return .void { runtime in runtime.broker!.closeAll(comment: comment?(runtime), immediately: immediately) }
        }
        t["strategy.exit"] = BuiltinFunction(parameters: ["id", "from_entry", "qty", "qty_percent", "profit", "limit", "loss", "stop",
            "trail_price", "trail_points", "trail_offset", "oca_name", "comment", "comment_profit", "comment_loss", "comment_trailing",
            "alert_message", "alert_profit", "alert_loss", "alert_trailing", "disable_alert", "when"]) { [unowned self] call in
            try self.requireStrategy("strategy.exit", at: call.location)
            let id = try call.string("id")
            let fromEntry = try self.optionalText(call, "from_entry")
            // One optional reader per argument, not arrays: this call usually runs on every bar.
            let qty = try self.optionalNumber(call, "qty"), qtyPercent = try self.optionalNumber(call, "qty_percent")
            let profit = try self.optionalNumber(call, "profit"), limit = try self.optionalNumber(call, "limit")
            let loss = try self.optionalNumber(call, "loss"), stop = try self.optionalNumber(call, "stop")
            let trailPrice = try self.optionalNumber(call, "trail_price"), trailPoints = try self.optionalNumber(call, "trail_points")
            let trailOffset = try self.optionalNumber(call, "trail_offset")
            let oca = try self.optionalText(call, "oca_name"), comment = try self.optionalText(call, "comment")
            let commentProfit = try self.optionalText(call, "comment_profit"), commentLoss = try self.optionalText(call, "comment_loss")
            let commentTrailing = try self.optionalText(call, "comment_trailing")
            return .void { runtime in
                let from = fromEntry?(runtime)
                runtime.broker!.exit(id: id(runtime), fromEntry: from?.isEmpty == true ? nil : from, qty: qty?(runtime),
                                     qtyPercent: qtyPercent?(runtime), profit: profit?(runtime), limit: limit?(runtime),
                                     loss: loss?(runtime), stop: stop?(runtime), trailPrice: trailPrice?(runtime),
                                     trailPoints: trailPoints?(runtime), trailOffset: trailOffset?(runtime), ocaName: oca?(runtime),
                                     comment: comment?(runtime), commentProfit: commentProfit?(runtime),
                                     commentLoss: commentLoss?(runtime), commentTrailing: commentTrailing?(runtime))
            }
        }
        t["strategy.cancel"] = BuiltinFunction(parameters: ["id", "when"]) { [unowned self] call in
            try self.requireStrategy("strategy.cancel", at: call.location)
            let id = try call.string("id")
            return .void { runtime in runtime.broker!.cancel(id: id(runtime)) }
        }
        t["strategy.cancel_all"] = BuiltinFunction(parameters: ["when"]) { [unowned self] call in
            try self.requireStrategy("strategy.cancel_all", at: call.location)
            return .void { runtime in runtime.broker!.cancelAll() }
        }
        // Risk rules: set once, before the first bar (their arguments are constants in practice).
        t["strategy.risk.allow_entry_in"] = BuiltinFunction(parameters: ["value"]) { [unowned self] call in
            let value = try call.constantString("value", default: "all")
            self.declaration.properties.riskAllowEntryIn = value == "long" ? .long : value == "short" ? .short : nil
            return .noOp
        }
        t["strategy.risk.max_position_size"] = BuiltinFunction(parameters: ["contracts"]) { [unowned self] call in
            self.declaration.properties.riskMaxPositionSize = try call.constantDouble("contracts", default: 0)
            return .noOp
        }
        for name in ["strategy.risk.max_drawdown", "strategy.risk.max_intraday_loss"] {
            t[name] = BuiltinFunction(parameters: ["value", "type", "alert_message"]) { [unowned self] call in
                let value = try call.constantDouble("value", default: 0)
                let type = try call.constantString("type", default: "percent_of_equity")
                let limit = TradingViewRiskLimit(value: value, type: type == "cash" ? .cash : .percentOfEquity)
                if name == "strategy.risk.max_drawdown" { self.declaration.properties.riskMaxDrawdown = limit } else { self.declaration.properties.riskMaxIntradayLoss = limit }
                return .noOp
            }
        }
        t["strategy.risk.max_cons_loss_days"] = BuiltinFunction(parameters: ["count", "alert_message"]) { [unowned self] call in
            self.declaration.properties.riskMaxConsLossDays = try call.constantInt("count", minimum: 1)
            return .noOp
        }
        t["strategy.risk.max_intraday_filled_orders"] = BuiltinFunction(parameters: ["count", "alert_message"]) { [unowned self] call in
            self.declaration.properties.riskMaxIntradayFilledOrders = try call.constantInt("count", minimum: 1)
            return .noOp
        }
        // strategy.closedtrades.* / strategy.opentrades.* accessors.
        let tradeFields: [(String, PineType)] = [("entry_price", .float), ("exit_price", .float), ("entry_bar_index", .int), ("exit_bar_index", .int),
            ("entry_time", .int), ("exit_time", .int), ("profit", .float), ("size", .float), ("commission", .float), ("max_runup", .float),
            ("max_drawdown", .float), ("entry_id", .string), ("exit_id", .string), ("entry_comment", .string), ("exit_comment", .string)]
        for open in [false, true] {
            for (field, type) in tradeFields {
                if open && field.hasPrefix("exit") { continue }
                let name = (open ? "strategy.opentrades." : "strategy.closedtrades.") + field
                t[name] = BuiltinFunction(parameters: ["trade_num"]) { [unowned self] call in
                    try self.requireStrategy(name, at: call.location)
                    let index = try call.number("trade_num")
                    func trade(_ runtime: PineRuntime) -> TradingViewTrade? {
                        let broker = runtime.broker!
                        let i = index(runtime)
                        guard i.isFinite, i >= 0, i < 1e9 else { return nil }
                        return open ? broker.openTrade(Int(i)) : broker.closedTrade(Int(i))
                    }
                    if type == .string {
                        return .string { runtime in
                            guard let trade = trade(runtime) else { return "" }
                            switch field {
                            case "entry_id": return trade.entryId
                            case "exit_id": return trade.exitId ?? ""
                            case "entry_comment": return trade.entryComment ?? ""
                            default: return trade.exitComment ?? ""
                            }
                        }
                    }
                    return .number(type) { runtime in
                        guard let trade = trade(runtime) else { return .nan }
                        switch field {
                        case "entry_price": return trade.entryPrice
                        case "exit_price": return trade.exitPrice ?? .nan
                        case "entry_bar_index": return Double(trade.entryBarIndex)
                        case "exit_bar_index": return trade.exitBarIndex.map(Double.init) ?? .nan
                        case "entry_time": return Double(trade.entryTime)
                        case "exit_time": return trade.exitTime.map(Double.init) ?? .nan
                        case "profit": return trade.profit
                        case "size": return trade.quantity * trade.direction.sign
                        case "commission": return trade.commission
                        case "max_runup": return trade.maxRunup
                        default: return trade.maxDrawdown
                        }
                    }
                }
            }
        }
        return t
    }

    func maxBarsBack(_ call: BuiltinCall) throws -> Int {
        let value = try call.constantInt("max_bars_back", default: declaration.maxBarsBack, minimum: 1)
        guard value <= Self.maximumBarsBack else {
            throw error("max_bars_back can be at most \(Self.maximumBarsBack), as on TradingView", at: call.location(of: "max_bars_back"))
        }
        return value
    }

    private func compileStrategyDeclaration(_ call: BuiltinCall) throws {
        guard declaration.title.isEmpty else { throw error("a script has one declaration statement", at: call.location) }
        declaration.kind = .strategy
        declaration.title = try call.constantString("title", default: "")
        declaration.overlay = try call.constantBool("overlay", default: false)
        declaration.maxBarsBack = try self.maxBarsBack(call)
        var p = declaration.properties
        p.initialCapital = try call.constantDouble("initial_capital", default: p.initialCapital)
        p.pyramiding = try call.constantInt("pyramiding", default: p.pyramiding, minimum: 0)
        p.defaultQtyValue = try call.constantDouble("default_qty_value", default: p.defaultQtyValue)
        switch try call.constantString("default_qty_type", default: "fixed") {
        case "cash": p.defaultQtyType = .cash
        case "percent_of_equity": p.defaultQtyType = .percentOfEquity
        case "fixed": p.defaultQtyType = .fixed
        case let other: throw error("unknown default_qty_type '\(other)'", at: call.location(of: "default_qty_type"))
        }
        switch try call.constantString("commission_type", default: "percent") {
        case "cash_per_contract": p.commissionType = .cashPerContract
        case "cash_per_order": p.commissionType = .cashPerOrder
        case "percent": p.commissionType = .percent
        case let other: throw error("unknown commission_type '\(other)'", at: call.location(of: "commission_type"))
        }
        p.commissionValue = try call.constantDouble("commission_value", default: 0)
        p.slippageTicks = try call.constantInt("slippage", default: 0, minimum: 0)
        p.processOrdersOnClose = try call.constantBool("process_orders_on_close", default: false)
        p.closeEntriesRule = try call.constantString("close_entries_rule", default: "FIFO").uppercased() == "ANY" ? .any : .fifo
        p.marginLong = try call.constantDouble("margin_long", default: version >= 6 ? 100 : 0)
        p.marginShort = try call.constantDouble("margin_short", default: version >= 6 ? 100 : 0)
        if try call.constantBool("calc_on_every_tick", default: false) {
            warning("calc_on_every_tick has no effect on historical bars and is ignored", at: call.location(of: "calc_on_every_tick"))
        }
        if try call.constantBool("calc_on_order_fills", default: false) {
            throw error("calc_on_order_fills is not supported yet", at: call.location(of: "calc_on_order_fills"))
        }
        if try call.constantBool("use_bar_magnifier", default: false) {
            throw error("use_bar_magnifier needs lower-timeframe data and is not supported yet", at: call.location(of: "use_bar_magnifier"))
        }
        p.minTick = environment.minTick
        p.quantityStep = environment.quantityStep
        declaration.properties = p
    }
}
