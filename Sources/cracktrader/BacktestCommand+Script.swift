import ArgumentParser
import MarketData
import PineScript
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader backtest --script FILE.pine`: a Pine strategy or indicator on the same data
/// options as a built-in strategy, with TradingView's trade list as output.
extension BacktestCommand {
    func runScript(path: String, symbol: TradingSymbol, bars: [Bar], timeframe: Timeframe) throws {
        let source = try ScriptFile.read(path)
        var overrides: [String: String] = [:]
        for pair in inputs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--input '\(pair)' must look like NAME=VALUE (the input's title or variable name)")
            }
            overrides[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        guard !bars.isEmpty else { throw ValidationError("no bars to run the script on") }
        let tick: Double
        if let mintick {
            guard mintick > 0, mintick.isFinite else { throw ValidationError("--mintick must be a positive number") }
            tick = mintick
        } else {
            tick = PriceStep.infer(bars)
            printError("syminfo.mintick = \(PineNumberText.text(tick)) (inferred from the price decimals; set it with --mintick)")
        }
        let step = qtyStep ?? 0.000_001
        guard step > 0, step.isFinite else { throw ValidationError("--qty-step must be a positive number") }
        let zone = try TimeZoneRules(named: timezone)
        let environment = PineEnvironment(ticker: symbol.base + symbol.quote, minTick: tick, quantityStep: step,
                                          timeframe: timeframe, currency: symbol.quote, baseCurrency: symbol.base)

        let clock = ContinuousClock()
        let compileStart = clock.now
        let program: PineProgram
        do {
            program = try PineProgram(source: source, inputs: overrides, environment: environment)
        } catch {
            printError(error.rendered(source: source, fileName: path))
            throw ExitCode(2)
        }
        for warning in program.warnings { printError(warning.rendered(source: source, fileName: path)) }
        let compileSeconds = Self.seconds(clock.now - compileStart)
        let runStart = clock.now
        let result: PineRunResult
        do {
            result = try program.run(bars: bars)
        } catch {
            printError("\(path):\(error.line):\(error.column): error: \(error.message) (on bar \(error.barIndex), \(ISO8601Timestamp.string(fromMilliseconds: bars[error.barIndex].openTime)))")
            throw ExitCode(2)
        }
        let runSeconds = Self.seconds(clock.now - runStart)

        if let tradesCsv {
            let list = PineTradeList(result: result, lastBar: bars.last)
            let text = list.csv(currency: symbol.quote) { zone.offsetSeconds(atMilliseconds: $0) }
            try ScriptFile.write(text, to: tradesCsv)
        }
        if json {
            let document = PineResultsDocument(program: program, result: result, environment: environment, bars: bars,
                                               timing: noStats ? nil : (compileSeconds, runSeconds))
            writeLine(String(decoding: try document.jsonBytes(), as: UTF8.self), to: STDOUT_FILENO)
        } else {
            writeLine(ScriptSummary.render(program: program, result: result, bars: bars, seconds: runSeconds), to: STDOUT_FILENO)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The price step of a series, from the decimals its prices use (at most 10).
enum PriceStep {
    static func infer(_ bars: [Bar]) -> Double {
        var decimals = 0
        var scale = 1.0
        let sample = bars.prefix(5_000)
        outer: while decimals < 10 {
            for bar in sample {
                for price in [bar.open, bar.high, bar.low, bar.close] {
                    let scaled = price * scale
                    if abs(scaled - scaled.rounded()) > 1e-6 * max(1, abs(scaled)) * 1e-3 {
                        decimals += 1
                        scale *= 10
                        continue outer
                    }
                }
            }
            break
        }
        var step = 1.0
        for _ in 0..<decimals { step /= 10 }
        return step
    }
}
