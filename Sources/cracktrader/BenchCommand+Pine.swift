import PineScript
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// The Pine benchmarks: TradingView's "RSI Strategy" over the benchmark bars (compile, run and the
/// trade list, what `backtest --script` waits for), and compiling a 200-line script.
extension BenchCommand {
    /// The logic of TradingView's built-in "RSI Strategy", written out here.
    static let rsiStrategy = """
        //@version=5
        strategy("RSI Strategy", overlay=true, initial_capital=1000000, default_qty_type=strategy.fixed, default_qty_value=1)
        length = input(14, "Length")
        overSold = input(30, "Oversold")
        overBought = input(70, "Overbought")
        price = close
        vrsi = ta.rsi(price, length)
        co = ta.crossover(vrsi, overSold)
        cu = ta.crossunder(vrsi, overBought)
        if (not na(vrsi))
            if (co)
                strategy.entry("RsiLE", strategy.long, comment="RsiLE")
            if (cu)
                strategy.entry("RsiSE", strategy.short, comment="RsiSE")
        """

    /// A 200-line strategy: inputs, moving averages, bands, user functions, loops and orders.
    static var longScript: String {
        var lines = [
            "//@version=5",
            "strategy(\"Long script\", overlay=true, pyramiding=2, default_qty_type=strategy.percent_of_equity, default_qty_value=10)",
            "fastLen = input.int(9, \"Fast\", minval=1)",
            "slowLen = input.int(21, \"Slow\", minval=1)",
            "mult = input.float(2.0, \"Band width\", step=0.1)",
            "band(src, len, k) =>",
            "    basis = ta.sma(src, len)",
            "    dev = k * ta.stdev(src, len)",
            "    [basis, basis + dev, basis - dev]",
            "score = 0.0",
        ]
        var block = 0
        while lines.count < 188 {
            block += 1
            lines += [
                "ma\(block) = ta.ema(close, fastLen + \(block))",
                "[mid\(block), up\(block), dn\(block)] = band(close, slowLen + \(block), mult)",
                "width\(block) = (up\(block) - dn\(block)) / mid\(block)",
                "score += close > ma\(block) ? 1 : close < dn\(block) ? -1 : 0",
                "var count\(block) = 0",
                "count\(block) := width\(block) > nz(width\(block)[1]) ? count\(block) + 1 : 0",
            ]
        }
        lines += [
            "sum = 0.0",
            "for i = 0 to 4",
            "    sum += close[i]",
            "avg = sum / 5",
            "if score > \(block / 2) and close > avg",
            "    strategy.entry(\"Long\", strategy.long)",
            "if score < -\(block / 2)",
            "    strategy.close(\"Long\")",
            "strategy.exit(\"Stops\", \"Long\", loss = 500, profit = 1000)",
            "plot(score, \"score\")",
            "plot(avg, \"avg\")",
        ]
        return lines.prefix(200).joined(separator: "\n")
    }

    func pineRows(series: [Bar]) throws -> [(String, String)] {
        var rows: [(String, String)] = []
        let environment = PineEnvironment(ticker: "BTCUSDT", minTick: 0.01, quantityStep: 0.000001, timeframe: .oneMinute,
                                          currency: "USDT", baseCurrency: "BTC")
        var trades = 0
        let runSeconds = try best {
            let program = try PineProgram(source: Self.rsiStrategy, environment: environment)
            trades = try program.run(bars: series).closedTrades.count
        }
        rows.append(("pine: RSI Strategy, \(bars) bars (compile + run)", Self.milliseconds(runSeconds)))
        rows.append(("pine: RSI Strategy bars per second (one core)", Self.millions(Double(bars) / runSeconds) + " M/s"))
        rows.append(("pine: RSI Strategy closed trades", String(trades)))

        // Whole command path: run plus TradingView's trade list as CSV text.
        let listSeconds = try best {
            let program = try PineProgram(source: Self.rsiStrategy, environment: environment)
            let result = try program.run(bars: series)
            _ = PineTradeList(result: result, lastBar: series.last).csv(currency: "USDT")
        }
        rows.append(("pine: RSI Strategy + trade list CSV", Self.milliseconds(listSeconds)))

        // Memory the run adds beyond the bars (the program and its result kept alive).
        let before = Self.mallocInUse()
        let program = try PineProgram(source: Self.rsiStrategy, environment: environment)
        let kept = try program.run(bars: series)
        let after = Self.mallocInUse()
        withExtendedLifetime(kept) {}
        rows.append(("pine: resident memory added by a run (result kept)", Self.fixed(Double(max(0, after - before)) / Double(max(1, bars)), 1) + " bytes/bar"))

        let source = Self.longScript
        let lineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
        let compileSeconds = try best { _ = try PineProgram(source: source, environment: environment) }
        rows.append(("pine: compile a \(lineCount)-line script", Self.fixed(compileSeconds * 1000, 2) + " ms"))
        let longRun = try best { _ = try PineProgram(source: source, environment: environment).run(bars: series) }
        rows.append(("pine: \(lineCount)-line script, \(bars) bars", Self.milliseconds(longRun)))
        return rows
    }

    /// Resident memory after handing freed heap pages back to the system (glibc's `malloc_trim`,
    /// looked up at run time), so that the next allocation shows up in the resident size.
    static func mallocInUse() -> Int {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
        return heapInUse()
    }
}
