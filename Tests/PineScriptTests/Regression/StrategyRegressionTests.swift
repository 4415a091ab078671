import MarketData
import Testing
import TradingCore
@testable import PineScript

/// Strategies written the way TradingView users write them (tabs, wrapped lines, `var` state machines,
/// stop entries with OCA groups, exits on every bar, na-initialised series), run on the offline `sim`
/// market and pinned: a change in the language or the strategy model that alters a fill shows here.
@Suite("Pine strategy regressions on sim data")
struct StrategyRegressionTests {
    struct Pinned: Sendable, CustomTestStringConvertible {
        var name: String
        var closedTrades: Int
        var netProfit: Double
        var firstEntry: String
        var testDescription: String { name }
    }

    static let scripts: [String: String] = [
        "sar": #"""
            //@version=5
            strategy("SAR test", overlay=true)
            start = input(0.02)
            increment = input(0.02)
            maximum = input(0.2)
            var bool uptrend = na
            var float EP = na
            var float SAR = na
            var float AF = start
            var float nextBarSAR = na
            if bar_index > 0
            	firstTrendBar = false
            	SAR := nextBarSAR
            	if bar_index == 1
            		float prevSAR = na
            		float prevEP = na
            		lowPrev = low[1]
            		highPrev = high[1]
            		if close > close[1]
            			uptrend := true
            			EP := high
            			prevSAR := lowPrev
            			prevEP := high
            		else
            			uptrend := false
            			EP := low
            			prevSAR := highPrev
            			prevEP := low
            		firstTrendBar := true
            		SAR := prevSAR + start * (prevEP - prevSAR)
            	if uptrend
            		if SAR > low
            			firstTrendBar := true
            			uptrend := false
            			SAR := math.max(EP, high)
            			EP := low
            			AF := start
            	else
            		if SAR < high
            			firstTrendBar := true
            			uptrend := true
            			SAR := math.min(EP, low)
            			EP := high
            			AF := start
            	if not firstTrendBar
            		if uptrend
            			if high > EP
            				EP := high
            				AF := math.min(AF + increment, maximum)
            		else
            			if low < EP
            				EP := low
            				AF := math.min(AF + increment, maximum)
            	if uptrend
            		SAR := math.min(SAR, low[1])
            		if bar_index > 1
            			SAR := math.min(SAR, low[2])
            	else
            		SAR := math.max(SAR, high[1])
            		if bar_index > 1
            			SAR := math.max(SAR, high[2])
            	nextBarSAR := SAR + AF * (EP - SAR)
            	if barstate.isconfirmed
            		if uptrend
            			strategy.entry("ParSE", strategy.short, stop=nextBarSAR, comment="ParSE")
            			strategy.cancel("ParLE")
            		else
            			strategy.entry("ParLE", strategy.long, stop=nextBarSAR, comment="ParLE")
            			strategy.cancel("ParSE")
            plot(SAR, style=plot.style_cross, linewidth=3, color=color.orange)
            plot(nextBarSAR, style=plot.style_cross, linewidth=3, color=color.aqua)
            """#,
        "cud": #"""
            //@version=5
            strategy("Consecutive", overlay=true)
            consecutiveBarsUp = input(3)
            consecutiveBarsDown = input(3)
            price = close
            ups = 0.0
            ups := price > price[1] ? nz(ups[1]) + 1 : 0
            dns = 0.0
            dns := price < price[1] ? nz(dns[1]) + 1 : 0
            if (ups >= consecutiveBarsUp)
            	strategy.entry("ConsUpLE", strategy.long, comment="ConsUpLE")
            if (dns >= consecutiveBarsDown)
            	strategy.entry("ConsDnSE", strategy.short, comment="ConsDnSE")
            """#,
        "piv": #"""
            //@version=5
            strategy("Pivot", overlay=true)
            leftBars = input(4)
            rightBars = input(2)
            swh = ta.pivothigh(leftBars, rightBars)
            swl = ta.pivotlow(leftBars, rightBars)
            swh_cond = not na(swh)
            hprice = 0.0
            hprice := swh_cond ? swh : hprice[1]
            le = false
            le := swh_cond ? true : (le[1] and high > hprice ? false : le[1])
            if (le)
            	strategy.entry("PivRevLE", strategy.long, comment="PivRevLE", stop=hprice + syminfo.mintick)
            swl_cond = not na(swl)
            lprice = 0.0
            lprice := swl_cond ? swl : lprice[1]
            se = false
            se := swl_cond ? true : (se[1] and low < lprice ? false : se[1])
            if (se)
            	strategy.entry("PivRevSE", strategy.short, comment="PivRevSE", stop=lprice - syminfo.mintick)
            """#,
        "stoch": #"""
            //@version=5
            strategy("Stoch", overlay=true)
            length = input.int(14, minval=1)
            OverBought = input(80)
            OverSold = input(20)
            smoothK = 3
            smoothD = 3
            k = ta.sma(ta.stoch(close, high, low, length), smoothK)
            d = ta.sma(k, smoothD)
            co = ta.crossover(k,d)
            cu = ta.crossunder(k,d)
            if (not na(k) and not na(d))
            	if (co and k < OverSold)
            		strategy.entry("StochLE", strategy.long, comment="StochLE")
            	if (cu and k > OverBought)
            		strategy.entry("StochSE", strategy.short, comment="StochSE")
            """#,
        "kc": #"""
            //@version=5
            strategy(title="Keltner", overlay=true)
            length = input.int(20, minval=1)
            mult = input.float(2.0, "Multiplier")
            src = input(close, title="Source")
            exp = input(true, "Use Exponential MA")
            BandsStyle = input.string("Average True Range", options = ["Average True Range", "True Range", "Range"], title="Bands Style")
            atrlength = input(10, "ATR Length")
            esma(source, length)=>
            	s = ta.sma(source, length)
            	e = ta.ema(source, length)
            	exp ? e : s
            ma = esma(src, length)
            rangema = BandsStyle == "True Range" ? ta.tr(true) : BandsStyle == "Average True Range" ? ta.atr(atrlength) : ta.rma(high - low, length)
            upper = ma + rangema * mult
            lower = ma - rangema * mult
            crossUpper = ta.crossover(src, upper)
            crossLower = ta.crossunder(src, lower)
            bprice = 0.0
            bprice := crossUpper ? high+syminfo.mintick : nz(bprice[1])
            sprice = 0.0
            sprice := crossLower ? low -syminfo.mintick : nz(sprice[1])
            crossBcond = false
            crossBcond := crossUpper ? true
                 : na(crossBcond[1]) ? false : crossBcond[1]
            crossScond = false
            crossScond := crossLower ? true
                 : na(crossScond[1]) ? false : crossScond[1]
            cancelBcond = crossBcond and (src < ma or high >= bprice )
            cancelScond = crossScond and (src > ma or low <= sprice )
            if (cancelBcond)
            	strategy.cancel("KltChLE")
            if (crossUpper)
            	strategy.entry("KltChLE", strategy.long, stop=bprice, comment="KltChLE")
            if (cancelScond)
            	strategy.cancel("KltChSE")
            if (crossLower)
            	strategy.entry("KltChSE", strategy.short, stop=sprice, comment="KltChSE")
            """#,
        "bb": #"""
            //@version=5
            strategy("BB", overlay=true)
            source = input.source(close, "Source")
            length = input.int(20, minval=1)
            mult = input.float(2.0, minval=0.001, maxval=50)
            basis = ta.sma(source, length)
            dev = mult * ta.stdev(source, length)
            upper = basis + dev
            lower = basis - dev
            buyEntry = ta.crossover(source, lower)
            sellEntry = ta.crossunder(source, upper)
            if (ta.crossover(source, lower))
            	strategy.entry("BBandLE", strategy.long, stop=lower, oca_name="BollingerBands", oca_type=strategy.oca.cancel, comment="BBandLE")
            else
            	strategy.cancel(id="BBandLE")
            if (ta.crossunder(source, upper))
            	strategy.entry("BBandSE", strategy.short, stop=upper, oca_name="BollingerBands", oca_type=strategy.oca.cancel, comment="BBandSE")
            else
            	strategy.cancel(id="BBandSE")
            """#,
        "st": #"""
            //@version=5
            strategy("Supertrend", overlay=true, default_qty_type=strategy.percent_of_equity, default_qty_value=100, commission_value=0.1)
            atrPeriod = input.int(10, "ATR Length")
            factor = input.float(3.0, "Factor", step = 0.01)
            [supertrend, direction] = ta.supertrend(factor, atrPeriod)
            if ta.change(direction) < 0
                strategy.entry("Long", strategy.long)
            if ta.change(direction) > 0
                strategy.entry("Short", strategy.short)
            plot(direction < 0 ? supertrend : na, "Up Trend", color = color.green, style=plot.style_linebr)
            plot(direction < 0 ? na : supertrend, "Down Trend", color = color.red, style=plot.style_linebr)
            """#,
        "trail": #"""
            //@version=6
            strategy("Trail", overlay=true, margin_long=100, margin_short=100)
            longCondition = ta.crossover(ta.sma(close, 14), ta.sma(close, 28))
            if (longCondition)
                strategy.entry("My Long Entry Id", strategy.long)
            strategy.exit("Exit", "My Long Entry Id", trail_points = 1000, trail_offset = 500)
            shortCondition = ta.crossunder(ta.sma(close, 14), ta.sma(close, 28))
            if shortCondition
                strategy.entry("Short", strategy.short, qty = 0.5)
                strategy.exit("SX", "Short", stop = close * 1.02, limit = close * 0.95)
            var int count = 0
            count += strategy.closedtrades > nz(strategy.closedtrades[1]) ? 1 : 0
            plot(count, "closes")
            plot(strategy.equity, "equity")
            """#,
    ]
}

extension StrategyRegressionTests {
    static func bars() throws -> [Bar] {
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        let start: Int64 = 1_704_067_200_000 // 2024-01-01T00:00:00Z
        return try SimExchange.bars(symbol: symbol, timeframe: .oneHour, from: start, to: start + 2_000 * 3_600_000)
    }

    static let environment = PineEnvironment(ticker: "BTCUSDT", minTick: 0.01, quantityStep: 0.000001, timeframe: .oneHour,
                                             currency: "USDT", baseCurrency: "BTC")

    /// The first closed trade as `entry@bar price → exit@bar price`.
    static func firstTrade(_ result: PineRunResult) -> String {
        guard let trade = result.closedTrades.first else { return "none" }
        return "\(trade.entryId)@\(trade.entryBarIndex) \(trade.entryPrice) → \(trade.exitId ?? "-")@\(trade.exitBarIndex ?? -1) \(trade.exitPrice ?? Double.nan)"
    }

    static func run(_ name: String) throws -> PineRunResult {
        try PineProgram(source: scripts[name]!, environment: environment).run(bars: bars())
    }

    @Test(arguments: pinned)
    func pinnedRun(_ expected: Pinned) throws {
        let result = try Self.run(expected.name)
        #expect(result.closedTrades.count == expected.closedTrades)
        #expect(abs((result.statistics?.netProfit ?? .nan) - expected.netProfit) < 1e-6, "net profit \(result.statistics?.netProfit ?? .nan)")
        #expect(Self.firstTrade(result) == expected.firstEntry)
    }

    @Test func sameInputsSameTrades() throws {
        let a = try Self.run("kc"), b = try Self.run("kc")
        #expect(a.closedTrades == b.closedTrades)
    }
}

extension StrategyRegressionTests {
    static let pinned: [Pinned] = [
        Pinned(name: "bb", closedTrades: 42, netProfit: 11214.20999999997, firstEntry: "BBandLE@59 56085.03 → BBandSE@107 53249.34"),
        Pinned(name: "cud", closedTrades: 146, netProfit: 16806.340000000055, firstEntry: "ConsUpLE@4 57446.78 → ConsDnSE@7 56373.12"),
        Pinned(name: "kc", closedTrades: 42, netProfit: 25725.59000000007, firstEntry: "KltChLE@31 56343.05 → KltChSE@62 55773.15"),
        Pinned(name: "piv", closedTrades: 90, netProfit: 25899.320000000014, firstEntry: "PivRevSE@13 55628.97 → PivRevLE@27 55553.6"),
        Pinned(name: "sar", closedTrades: 171, netProfit: 67810.16000000008, firstEntry: "ParSE@6 56469.6 → ParLE@21 54835.76"),
        Pinned(name: "st", closedTrades: 98, netProfit: 113216.86457926175, firstEntry: "Long@23 55476.43 → Short@58 55978.91"),
        Pinned(name: "stoch", closedTrades: 65, netProfit: -5516.379999999961, firstEntry: "StochSE@33 56440.55 → StochLE@50 56348.82"),
        Pinned(name: "trail", closedTrades: 79, netProfit: 12184.149999999987, firstEntry: "My Long Entry Id@33 56440.55 → Exit@34 56767.48"),
    ]
}
