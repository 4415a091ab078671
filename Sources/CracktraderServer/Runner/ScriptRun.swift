#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import HTTPTypes
import MarketData
import PineScript
import Storage
import Synchronization
import TradingCore

/// A backtest of a saved Pine script: which version, with which inputs. Built by the planner from
/// the `ScriptSelection` the route looked up; executed on the engine queue by `execute`, which
/// returns the same `FinishedRun` a built-in backtest produces (so `/results`, the history and the
/// dashboard need nothing new) after storing the script's own outputs (plots, trade list).
struct ScriptRunSpec: Sendable {
    let name: String
    let version: Int
    let sha256: String
    let source: String
    /// `--input`-style overrides, by variable (or title), as text.
    let overrides: [String: String]
    let overlay: Bool
    let canShort: Bool
    /// The strategy's `initial_capital` (nil for an indicator).
    let initialCapital: Double?

    /// `config.script`.
    var echo: JSONValue {
        .object(["name": .string(name), "version": .number(Double(version)), "sha256": .string(sha256)])
    }

    // MARK: Planning

    /// Checks that the script compiles and validates `parameters` against its inputs (like a
    /// built-in strategy's parameters: 400 `INVALID_STRATEGY_PARAMS`).
    static func resolve(_ script: ScriptSelection, parameters: [String: ParameterValue]) throws(APIError) -> (StrategyParameters, ScriptRunSpec) {
        let analysis = script.analysis
        guard analysis.compiles else {
            throw ScriptLibrary.compileError(name: script.name, version: script.version, diagnostics: analysis.diagnostics)
        }
        let schema = analysis.parameters
        var canonical: [String: ParameterValue] = [:]
        for (given, value) in parameters {
            guard let parameter = schema.first(where: { $0.names.contains(given) }) else {
                canonical[given] = value
                continue
            }
            var value = value
            if parameter.spec.type == .enum {
                switch value {
                case .int(let number): value = .string(String(number))
                case .float(let number): value = .string(PineNumberText.text(number))
                default: break
                }
            }
            canonical[parameter.spec.name] = value
        }
        let resolved: StrategyParameters
        do throws(TradingError) {
            resolved = try StrategyParameters.validate(canonical, schema: schema.map(\.spec), strategy: script.name)
        } catch {
            throw APIError(error)
        }
        var overrides: [String: String] = [:]
        for parameter in schema {
            guard canonical[parameter.spec.name] != nil, let value = resolved.values[parameter.spec.name] else { continue }
            overrides[parameter.input.variable ?? parameter.input.title] = Self.text(value)
        }
        if !overrides.isEmpty {
            // The compiler has the last word on input values (e.g. a timeframe's spelling).
            do {
                _ = try PineProgram(source: script.source, inputs: overrides)
            } catch {
                let problems = error.diagnostics.filter { $0.severity == .error }.map(\.message)
                throw APIError(StrategyParameters.invalid(strategy: script.name, problems: problems, schema: schema.map(\.spec)))
            }
        }
        let spec = ScriptRunSpec(
            name: script.name, version: script.version, sha256: script.sha256, source: script.source, overrides: overrides,
            overlay: analysis.overlay, canShort: analysis.canShort, initialCapital: analysis.initialCapital)
        return (resolved, spec)
    }

    static func text(_ value: ParameterValue) -> String {
        switch value {
        case .int(let number): String(number)
        case .float(let number): PineNumberText.text(number)
        case .bool(let flag): flag ? "true" : "false"
        case .string(let text): text
        }
    }

    /// `UNKNOWN_STRATEGY` with the saved scripts added to `available`; other errors unchanged.
    static func unknownStrategy(_ error: TradingError, scriptNames: [String]) -> APIError {
        guard error.code == .unknownStrategy else { return APIError(error) }
        let available = StrategyRegistry.names + scriptNames
        var name = ""
        if case .text(let text)? = error.details["strategy"] { name = text }
        return APIError(
            status: .badRequest, code: "UNKNOWN_STRATEGY",
            message: "unknown strategy '\(name)'; available: \(available.joined(separator: ", "))",
            details: ["strategy": .string(name), "available": .array(available.map(JSONValue.string))])
    }

    /// `POST /run/live` of a script (paper, sandbox or live). A script that can go short is
    /// refused: every venue here is spot, and `sim` is a simulated spot market. An indicator has
    /// nothing to trade on a venue.
    func refuseLive(requestedMode: String, exchange: ExchangeCapabilities) throws(APIError) {
        if canShort {
            let market = exchange.id == "sim" ? "sim is a simulated spot market" : "\(exchange.displayName) is a spot venue"
            throw APIError(
                status: .unprocessableContent, code: "SHORT_NOT_ALLOWED",
                message: "script '\(name)' can open a short position (it uses strategy.short), and \(market); add strategy.risk.allow_entry_in(strategy.direction.long) or run it as a backtest",
                details: ["script": .string(name), "exchange": .string(exchange.id)])
        }
        if requestedMode == "live", initialCapital == nil {
            throw APIError(
                status: .unprocessableContent, code: "VALIDATION_ERROR",
                message: "script '\(name)' is an indicator: only a strategy() script can trade in a sandbox or live run",
                details: ["fields": ["strategy_name": "must name a strategy() script for mode \"live\""]])
        }
    }

    // MARK: Running

    /// Runs the script on the engine queue (blocking it for the two database writes, like the
    /// order journal): records the source it runs, runs, stores plots and the trade list, and
    /// returns what `RunController.complete` saves.
    func execute(
        id: String, plan: RunPlan, bars: [TradingSymbol: [Bar]], database: Database, shouldStop: () -> Bool,
        progress: (BacktestProgress) -> Void
    ) -> Result<FinishedRun, TradingError> {
        let symbol = plan.configuration.symbols[0]
        let series = bars[symbol] ?? []
        let record = RunScriptRecord(name: name, version: version, sha256: sha256, source: source, overlay: overlay)
        let store = database.scripts
        if let failure = Self.blocking({ try await store.recordRun(runID: id, record) }) {
            return .failure(TradingError(code: .invalidData, message: "storage: the script run could not be recorded (\(failure))"))
        }
        guard !series.isEmpty else {
            return .failure(TradingError(
                code: .dataUnavailable, message: "no \(plan.configuration.timeframe) bars for \(symbol) on \(plan.exchange) in the range",
                details: ["symbol": .text(symbol.description)]))
        }
        let environment = PineEnvironment.backtest(symbol: symbol, timeframe: plan.configuration.timeframe, bars: series)
        let program: PineProgram
        do {
            program = try PineProgram(source: source, inputs: overrides, environment: environment)
        } catch {
            let first = error.diagnostics.first.map { "\($0.line):\($0.column): \($0.message)" } ?? "unknown error"
            return .failure(TradingError(code: .invalidConfiguration, message: "script '\(name)' does not compile: \(first)"))
        }
        // The account and its metrics are PineScript's `PineBacktestAccount`, shared with sweep
        // cells of scripts, so a sweep cell reports exactly what `/results` shows.
        var account = PineBacktestAccount(declaration: program.declaration, indicatorCash: plan.configuration.initialCash, capacity: series.count)
        let result: PineRunResult
        do {
            result = try program.run(bars: series, shouldStop: shouldStop) { snapshot in
                account.record(snapshot)
                if (snapshot.barIndex + 1) % 8_192 == 0 {
                    progress(BacktestProgress(
                        barsProcessed: snapshot.barIndex + 1, totalBars: series.count, cash: account.cash[account.cash.count - 1],
                        value: account.values[account.values.count - 1], closedTrades: snapshot.closedTrades))
                }
            }
        } catch {
            let time = error.barIndex < series.count ? ISO8601Timestamp.string(fromMilliseconds: series[error.barIndex].openTime) : "?"
            return .failure(TradingError(
                code: .invalidData,
                message: "script '\(name)' stopped with a runtime error at line \(error.line), column \(error.column) on bar \(error.barIndex) (\(time)): \(error.message)"))
        }
        let processed = result.barCount
        let ran = Array(series.prefix(processed))
        let outputs = ScriptOutputs(result: result, bars: ran, symbol: symbol)
        let tradeListJSON = RunController.row(outputs.tradeList)
        let plots = result.plots.map { StoredPlot(title: $0.title, values: Array($0.values.prefix(processed))) }
        let times = ran.map(\.openTime)
        if let failure = Self.blocking({ try await store.saveRunOutputs(runID: id, tradeListJSON: tradeListJSON, barTimes: times, plots: plots) }) {
            return .failure(TradingError(code: .invalidData, message: "storage: the script's plots and trades could not be saved (\(failure))"))
        }
        let finished = FinishedRun(
            scriptRunID: id, plan: plan, outputs: outputs, initialCash: account.initialCash, times: times, values: account.values,
            cash: account.cash, stepsInMarket: account.stepsInMarket, wasStopped: processed < series.count)
        return .success(finished)
    }

    /// Runs an async database call from the engine queue (its own thread, never the
    /// cooperative pool) and waits for it; returns the error's text, or nil.
    static func blocking(_ body: @escaping @Sendable () async throws -> Void) -> String? {
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task.detached {
            do { try await body() } catch { failure.withLock { $0 = "\(error)" } }
            done.signal()
        }
        done.wait()
        return failure.withLock { $0 }
    }
}

/// A script run's results in the server's record types: the TradingView trade list, and orders,
/// trades and positions for the fields every run has.
struct ScriptOutputs {
    let tradeList: [ScriptTradeListRow]
    let orders: [OrderRecord]
    let trades: [TradeRecord]
    let positions: [PositionRecord]
    let closedTrades: [TradingViewTrade]
    let openTrades: [TradingViewTrade]

    init(result: PineRunResult, bars: [Bar], symbol: TradingSymbol) {
        let list = PineTradeList(result: result, lastBar: bars.last)
        tradeList = list.rows.map(ScriptTradeListRow.init)
        closedTrades = result.closedTrades
        openTrades = result.openTrades
        let all = result.closedTrades.map { ($0, false) } + result.openTrades.map { ($0, true) }
        var orders: [SyntheticOrder] = []
        var trades: [SyntheticTrade] = []
        let name = symbol.description
        for (offset, (trade, isOpen)) in all.enumerated() {
            let entrySide = trade.direction == .long ? "buy" : "sell"
            let exitSide = trade.direction == .long ? "sell" : "buy"
            let entryTime = ISO8601Timestamp.string(fromMilliseconds: trade.entryTime)
            orders.append(SyntheticOrder(
                id: orders.count + 1, client_order_id: trade.entryId, symbol: name, side: entrySide, quantity: trade.quantity,
                price: trade.entryPrice, fees: isOpen ? trade.commission : 0, time: entryTime))
            if !isOpen, let exitPrice = trade.exitPrice, let exitTime = trade.exitTime {
                orders.append(SyntheticOrder(
                    id: orders.count + 1, client_order_id: trade.exitId ?? trade.exitSignal ?? "", symbol: name, side: exitSide,
                    quantity: trade.quantity, price: exitPrice, fees: trade.commission,
                    time: ISO8601Timestamp.string(fromMilliseconds: exitTime)))
            }
            let value = trade.entryPrice * trade.quantity
            trades.append(SyntheticTrade(
                id: offset + 1, symbol: name, status: isOpen ? "open" : "closed", entry_time: entryTime,
                exit_time: isOpen ? nil : trade.exitTime.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
                entry_price: trade.entryPrice, exit_price: isOpen ? nil : trade.exitPrice, quantity: trade.signedQuantity,
                pnl: trade.profit, return: value == 0 ? 0 : trade.profit / value, fees: trade.commission))
        }
        let decoder = JSONDecoder()
        func convert<From: Encodable, To: Decodable>(_ items: [From], to: To.Type) -> [To] {
            items.compactMap { item in (try? JSONEncoder().encode(item)).flatMap { try? decoder.decode(To.self, from: $0) } }
        }
        self.orders = convert(orders, to: OrderRecord.self)
        self.trades = convert(trades, to: TradeRecord.self)
        var positions: [SyntheticPosition] = []
        if !result.openTrades.isEmpty, let last = bars.last {
            let quantity = result.openTrades.reduce(0) { $0 + $1.signedQuantity }
            let size = result.openTrades.reduce(0) { $0 + $1.quantity }
            let average = size == 0 ? 0 : result.openTrades.reduce(0) { $0 + $1.entryPrice * $1.quantity } / size
            positions.append(SyntheticPosition(
                symbol: name, quantity: quantity, average_entry_price: average, last_price: last.close,
                market_value: quantity * last.close, unrealized_pnl: result.openTrades.reduce(0) { $0 + $1.profit }))
        }
        self.positions = convert(positions, to: PositionRecord.self)
    }

    /// A filled market order in the shape of `OrderRecord` (also the orders of script paper runs).
    struct SyntheticOrder: Encodable {
        let id: Int
        let client_order_id: String
        let symbol: String
        let side: String
        let type = "market"
        let time_in_force = "GTC"
        let sizing = "quantity"
        let sizing_value: Double
        let quantity: Double
        let status = "filled"
        let filled_quantity: Double
        let average_fill_price: Double
        let fees: Double
        let created_time: String
        let updated_time: String

        init(id: Int, client_order_id: String, symbol: String, side: String, quantity: Double, price: Double, fees: Double, time: String) {
            self.id = id
            self.client_order_id = client_order_id
            self.symbol = symbol
            self.side = side
            sizing_value = quantity
            self.quantity = quantity
            filled_quantity = quantity
            average_fill_price = price
            self.fees = fees
            created_time = time
            updated_time = time
        }
    }

    private struct SyntheticTrade: Encodable {
        let id: Int
        let symbol: String
        let status: String
        let entry_time: String
        let exit_time: String?
        let entry_price: Double
        let exit_price: Double?
        let quantity: Double
        let pnl: Double
        let `return`: Double
        let fees: Double
    }

    private struct SyntheticPosition: Encodable {
        let symbol: String
        let quantity: Double
        let average_entry_price: Double
        let last_price: Double
        let market_value: Double
        let unrealized_pnl: Double
    }
}

/// One row of TradingView's "List of Trades" in `/results` (`trade_list`).
struct ScriptTradeListRow: Codable, Sendable, Hashable {
    var trade_number: Int
    var type: String
    var time: String
    var signal: String
    var price: Double?
    var quantity: Double
    var position_value: Double
    var net_profit: Double
    var net_profit_percent: Double
    var run_up: Double
    var run_up_percent: Double
    var drawdown: Double
    var drawdown_percent: Double
    var cumulative_profit: Double
    var cumulative_profit_percent: Double

    init(_ row: PineTradeList.Row) {
        func finite(_ x: Double) -> Double { x.isFinite ? x : 0 }
        trade_number = row.tradeNumber
        type = row.type
        time = ISO8601Timestamp.string(fromMilliseconds: row.time)
        signal = row.signal
        price = row.price.isFinite ? row.price : nil
        quantity = finite(row.quantity)
        position_value = finite(row.positionValue)
        net_profit = finite(row.netProfit)
        net_profit_percent = finite(row.netProfitPercent)
        run_up = finite(row.runUp)
        run_up_percent = finite(row.runUpPercent)
        drawdown = finite(row.drawdown)
        drawdown_percent = finite(row.drawdownPercent)
        cumulative_profit = finite(row.cumulativeProfit)
        cumulative_profit_percent = finite(row.cumulativeProfitPercent)
    }

    var pineRow: PineTradeList.Row {
        PineTradeList.Row(
            number: trade_number, type: type, time: ISO8601Timestamp.milliseconds(from: time) ?? 0, signal: signal,
            price: price ?? .nan, quantity: quantity, positionValue: position_value, netProfit: net_profit,
            netProfitPercent: net_profit_percent, runUp: run_up, runUpPercent: run_up_percent, drawdown: drawdown,
            drawdownPercent: drawdown_percent, cumulativeProfit: cumulative_profit, cumulativeProfitPercent: cumulative_profit_percent)
    }
}

extension FinishedRun {
    /// A script run's results in the shape every run has.
    init(
        scriptRunID id: String, plan: RunPlan, outputs: ScriptOutputs, initialCash: Double, times: [Int64], values: [Double],
        cash: [Double], stepsInMarket: Int, wasStopped: Bool
    ) {
        equity = EquitySeries(timestamps: times, values: values, cash: cash, initialCash: initialCash)
        var samples: [EquitySample] = []
        samples.reserveCapacity(values.count)
        for index in values.indices {
            samples.append(EquitySample(timestamp: times[index], value: values[index], cash: cash[index], pnl: values[index] - initialCash))
        }
        self.samples = samples
        orders = outputs.orders
        trades = outputs.trades
        ordersJSON = outputs.orders.map(\.compactJSON)
        tradesJSON = outputs.trades.map(\.compactJSON)
        barsProcessed = values.count
        self.wasStopped = wasStopped
        finalCash = cash.last ?? initialCash
        closedTradeCount = outputs.closedTrades.count
        let metrics = PineBacktestAccount.performanceMetrics(
            times: times, values: values, cash: cash, initialCash: initialCash, timeframe: plan.configuration.timeframe,
            stepsInMarket: stepsInMarket, closedTrades: outputs.closedTrades, openTrades: outputs.openTrades)
        summary = StoredRunSummary(
            run_id: id, mode: plan.mode.rawValue, config: plan.config, status: RunStatus.completed.rawValue, start_time: nil,
            end_time: nil, data_start: times.first.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
            data_end: times.last.map { ISO8601Timestamp.string(fromMilliseconds: $0) }, positions: outputs.positions,
            performance_metrics: metrics, final_value: values.last ?? initialCash, error: nil, bars_processed: values.count,
            initial_cash: initialCash)
    }
}
