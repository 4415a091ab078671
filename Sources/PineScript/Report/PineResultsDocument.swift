#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// `cracktrader backtest --script … --json`: what a script run produced, as one JSON document —
/// the declaration and inputs, the strategy's statistics (TradingView's Strategy Tester figures),
/// every trade, and every `plot()` series by title (`null` where the plot was na).
public struct PineResultsDocument: Encodable {
    public struct Input: Encodable {
        let name: String?
        let title: String
        let type: String
        let defaultValue: String
        let value: String

        enum CodingKeys: String, CodingKey { case name, title, type, defaultValue = "default", value }
    }

    public struct Statistics: Encodable {
        let initialCapital: Double
        let netProfit: Double
        let netProfitPercent: Double
        let grossProfit: Double
        let grossLoss: Double
        let profitFactor: Double?
        let maxDrawdown: Double
        let maxRunup: Double
        let openProfit: Double
        let equity: Double
        let closedTrades: Int
        let openTrades: Int
        let winningTrades: Int
        let losingTrades: Int
        let evenTrades: Int
        let percentProfitable: Double?

        enum CodingKeys: String, CodingKey {
            case initialCapital = "initial_capital", netProfit = "net_profit", netProfitPercent = "net_profit_percent"
            case grossProfit = "gross_profit", grossLoss = "gross_loss", profitFactor = "profit_factor"
            case maxDrawdown = "max_drawdown", maxRunup = "max_runup", openProfit = "open_profit", equity
            case closedTrades = "closed_trades", openTrades = "open_trades", winningTrades = "winning_trades"
            case losingTrades = "losing_trades", evenTrades = "even_trades", percentProfitable = "percent_profitable"
        }
    }

    public struct Trade: Encodable {
        let number: Int
        let direction: String
        let entryId: String
        let entryComment: String?
        let entryTime: String
        let entryBarIndex: Int
        let entryPrice: Double
        let exitId: String?
        let exitComment: String?
        let exitSignal: String
        let exitTime: String?
        let exitBarIndex: Int?
        let exitPrice: Double?
        let quantity: Double
        let profit: Double
        let profitPercent: Double
        let commission: Double
        let runUp: Double
        let drawdown: Double
        let cumulativeProfit: Double
        let isOpen: Bool

        enum CodingKeys: String, CodingKey {
            case number, direction, entryId = "entry_id", entryComment = "entry_comment", entryTime = "entry_time"
            case entryBarIndex = "entry_bar_index", entryPrice = "entry_price", exitId = "exit_id", exitComment = "exit_comment"
            case exitSignal = "exit_signal", exitTime = "exit_time", exitBarIndex = "exit_bar_index", exitPrice = "exit_price"
            case quantity, profit, profitPercent = "profit_percent", commission, runUp = "run_up", drawdown
            case cumulativeProfit = "cumulative_profit", isOpen = "open"
        }
    }

    public struct Stats: Encodable {
        let compileSeconds: Double
        let runSeconds: Double
        let barsPerSecond: Double

        enum CodingKeys: String, CodingKey { case compileSeconds = "compile_seconds", runSeconds = "run_seconds", barsPerSecond = "bars_per_second" }
    }

    let kind: String
    let title: String
    let version: Int
    let symbol: String
    let timeframe: String?
    let bars: Int
    let start: String?
    let end: String?
    let mintick: Double
    let quantityStep: Double
    let inputs: [Input]
    let statistics: Statistics?
    let trades: [Trade]
    let plots: [(String, [Double?])]
    let stats: Stats?

    enum CodingKeys: String, CodingKey {
        case kind, title, version, symbol, timeframe, bars, start, end, mintick, quantityStep = "quantity_step"
        case inputs, statistics, trades, plots, stats
    }

    public init(program: PineProgram, result: PineRunResult, environment: PineEnvironment, bars: [Bar],
                timing: (compile: Double, run: Double)?) {
        kind = result.declaration.kind.rawValue
        title = result.declaration.title
        version = program.version
        symbol = environment.ticker
        timeframe = environment.timeframe?.rawValue
        self.bars = bars.count
        start = bars.first.map { ISO8601Timestamp.string(fromMilliseconds: $0.openTime) }
        end = bars.last.map { ISO8601Timestamp.string(fromMilliseconds: $0.openTime) }
        mintick = environment.minTick
        quantityStep = environment.quantityStep
        inputs = program.inputs.map { Input(name: $0.variable, title: $0.title, type: $0.kind.rawValue, defaultValue: $0.defaultValue, value: $0.value) }
        if let s = result.statistics {
            let decided = s.winningTrades + s.losingTrades + s.evenTrades
            statistics = Statistics(
                initialCapital: s.initialCapital, netProfit: s.netProfit,
                netProfitPercent: s.initialCapital == 0 ? 0 : s.netProfit / s.initialCapital * 100,
                grossProfit: s.grossProfit, grossLoss: s.grossLoss,
                profitFactor: s.grossLoss == 0 ? nil : s.grossProfit / abs(s.grossLoss),
                maxDrawdown: s.maxDrawdown, maxRunup: s.maxRunup, openProfit: s.openProfit, equity: s.equity,
                closedTrades: s.closedTrades, openTrades: result.openTrades.count, winningTrades: s.winningTrades,
                losingTrades: s.losingTrades, evenTrades: s.evenTrades,
                percentProfitable: decided == 0 ? nil : Double(s.winningTrades) / Double(decided) * 100)
        } else {
            statistics = nil
        }
        var cumulative = 0.0
        var list: [Trade] = []
        let all = result.closedTrades.map { ($0, false) } + result.openTrades.map { ($0, true) }
        for (offset, (trade, isOpen)) in all.enumerated() {
            cumulative += trade.profit
            let value = trade.entryPrice * trade.quantity
            list.append(Trade(
                number: offset + 1, direction: trade.direction == .long ? "long" : "short", entryId: trade.entryId,
                entryComment: trade.entryComment, entryTime: ISO8601Timestamp.string(fromMilliseconds: trade.entryTime),
                entryBarIndex: trade.entryBarIndex, entryPrice: trade.entryPrice, exitId: trade.exitId, exitComment: trade.exitComment,
                exitSignal: isOpen ? "Open" : (trade.exitSignal ?? trade.exitId ?? ""),
                exitTime: trade.exitTime.map { ISO8601Timestamp.string(fromMilliseconds: $0) }, exitBarIndex: trade.exitBarIndex,
                exitPrice: trade.exitPrice, quantity: trade.quantity, profit: trade.profit,
                profitPercent: value == 0 ? 0 : trade.profit / value * 100, commission: trade.commission, runUp: trade.maxRunup,
                drawdown: trade.maxDrawdown, cumulativeProfit: cumulative, isOpen: isOpen))
        }
        trades = list
        var seen: [String: Int] = [:]
        plots = result.plots.map { plot in
            seen[plot.title, default: 0] += 1
            let count = seen[plot.title]!
            return (count == 1 ? plot.title : "\(plot.title) (\(count))", plot.values.map { $0.isFinite ? $0 : nil })
        }
        stats = timing.map { Stats(compileSeconds: $0.compile, runSeconds: $0.run, barsPerSecond: $0.run > 0 ? Double(bars.count) / $0.run : 0) }
    }

    private struct PlotKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(title, forKey: .title)
        try container.encode(version, forKey: .version)
        try container.encode(symbol, forKey: .symbol)
        try container.encode(timeframe, forKey: .timeframe)
        try container.encode(bars, forKey: .bars)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(mintick, forKey: .mintick)
        try container.encode(quantityStep, forKey: .quantityStep)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(statistics, forKey: .statistics)
        try container.encode(trades, forKey: .trades)
        var plotContainer = container.nestedContainer(keyedBy: PlotKey.self, forKey: .plots)
        for (title, values) in plots { try plotContainer.encode(values, forKey: PlotKey(stringValue: title)) }
        if let stats { try container.encode(stats, forKey: .stats) }
    }

    /// Pretty-printed JSON with sorted keys, so equal runs give equal bytes (without `stats`).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self))
    }
}
