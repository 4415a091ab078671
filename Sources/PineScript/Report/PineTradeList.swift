import TradingCore

/// A run's trades as TradingView's Strategy Tester "List of Trades" export, so that users can diff
/// our results against TradingView's directly: each trade is an Entry row then an Exit row, oldest
/// first; a trade still open at the end has an Exit row with Signal `Open` at the last bar.
public struct PineTradeList: Sendable {
    public struct Row: Sendable, Hashable {
        public var tradeNumber: Int
        /// `Entry long`, `Exit short`, …
        public var type: String
        public var time: Int64
        public var signal: String
        public var price: Double
        public var quantity: Double
        public var positionValue: Double
        public var netProfit: Double
        public var netProfitPercent: Double
        public var runUp: Double
        public var runUpPercent: Double
        /// Negative or zero, as TradingView shows it.
        public var drawdown: Double
        public var drawdownPercent: Double
        public var cumulativeProfit: Double
        public var cumulativeProfitPercent: Double
    }

    public var rows: [Row] = []

    public init(result: PineRunResult, lastBar: Bar?) {
        let capital = result.declaration.properties.initialCapital
        var cumulative = 0.0
        let trades = result.closedTrades.map { ($0, false) } + result.openTrades.map { ($0, true) }
        for (offset, (trade, isOpen)) in trades.enumerated() {
            let value = trade.entryPrice * trade.quantity
            func percent(_ x: Double) -> Double { value == 0 ? 0 : x / value * 100 }
            cumulative += trade.profit
            let side = trade.direction == .long ? "long" : "short"
            var row = Row(tradeNumber: offset + 1, type: "Entry \(side)", time: trade.entryTime, signal: trade.entrySignal,
                          price: trade.entryPrice, quantity: trade.quantity, positionValue: value, netProfit: trade.profit,
                          netProfitPercent: percent(trade.profit), runUp: trade.maxRunup, runUpPercent: percent(trade.maxRunup),
                          drawdown: -trade.maxDrawdown, drawdownPercent: -percent(trade.maxDrawdown),
                          cumulativeProfit: cumulative, cumulativeProfitPercent: capital == 0 ? 0 : cumulative / capital * 100)
            rows.append(row)
            row.type = "Exit \(side)"
            if isOpen {
                row.time = lastBar?.openTime ?? trade.entryTime
                row.signal = "Open"
                row.price = lastBar?.close ?? trade.entryPrice
            } else {
                row.time = trade.exitTime ?? trade.entryTime
                row.signal = trade.exitSignal ?? trade.exitComment ?? trade.exitId ?? ""
                row.price = trade.exitPrice ?? .nan
            }
            rows.append(row)
        }
    }

    /// The CSV text with TradingView's header. Times are shown in the zone `offsetSeconds` gives
    /// (`2022-01-05T17:00:00-0500`); numbers are written in full, not rounded as TradingView does.
    public func csv(currency: String, offsetSeconds: (Int64) -> Int32 = { _ in 0 }) -> String {
        var text = "Trade #,Type,Date/Time,Signal,Price \(currency),Position size (qty),Position size (value),Net P&L \(currency),"
            + "Net P&L %,Run-up \(currency),Run-up %,Drawdown \(currency),Drawdown %,Cumulative P&L \(currency),Cumulative P&L %\n"
        for row in rows {
            let fields = [
                String(row.tradeNumber), row.type, Self.localTime(row.time, offsetSeconds: offsetSeconds(row.time)), Self.csvField(row.signal),
                Self.number(row.price), Self.number(row.quantity), Self.number(row.positionValue), Self.number(row.netProfit),
                Self.number(row.netProfitPercent, decimals: 2), Self.number(row.runUp), Self.number(row.runUpPercent, decimals: 2),
                Self.number(row.drawdown), Self.number(row.drawdownPercent, decimals: 2), Self.number(row.cumulativeProfit),
                Self.number(row.cumulativeProfitPercent, decimals: 2),
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// `YYYY-MM-DDTHH:MM:SS±HHMM`, the form of TradingView's exports.
    public static func localTime(_ milliseconds: Int64, offsetSeconds: Int32) -> String {
        let utc = ISO8601Timestamp.string(fromMilliseconds: milliseconds + Int64(offsetSeconds) * 1000)
        let magnitude = abs(Int(offsetSeconds))
        let hours = magnitude / 3600, minutes = magnitude % 3600 / 60
        let sign = offsetSeconds < 0 ? "-" : "+"
        return String(utc.prefix(19)) + sign + (hours < 10 ? "0" : "") + String(hours) + (minutes < 10 ? "0" : "") + String(minutes)
    }

    static func number(_ x: Double, decimals: Int = 10) -> String {
        if x.isNaN { return "" }
        let text = PineFormat.trimZeros(PineFormat.fixed(x, decimals: decimals))
        return text == "-0" ? "0" : text
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(",") || text.contains("\"") || text.contains("\n") else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
}

/// Numbers as plain decimal text (no exponent, trailing zeros dropped), as reports print them.
public enum PineNumberText {
    public static func text(_ x: Double, maxDecimals: Int = 10) -> String {
        PineTradeList.number(x, decimals: maxDecimals)
    }
}
