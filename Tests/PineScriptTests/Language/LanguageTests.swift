import Testing
import TradingCore
@testable import PineScript

/// Every construct of the language, compiled and run on bars whose close is 1, 2, 3, …
@Suite("Pine language constructs")
struct LanguageTests {
    @Test func variablesVarAndReassignment() throws {
        let p = try plots([
            "var count = 0", "count := count + 1",
            "varip seen = 0", "seen += 2",
            "x = close * 2", "x := x + 1",
            "plot(count, \"count\")", "plot(seen, \"seen\")", "plot(x, \"x\")",
        ])
        #expect(p["count"] == [1, 2, 3, 4, 5, 6])
        #expect(p["seen"] == [2, 4, 6, 8, 10, 12])
        #expect(p["x"] == [3, 5, 7, 9, 11, 13])
    }

    @Test func historyOperator() throws {
        let p = try plots([
            "var total = 0.0", "total += close",
            "plot(close[1], \"c1\")", "plot((close - open)[2], \"spread2\")", "plot(total[1], \"t1\")",
            "plot(bar_index[3], \"b3\")", "n = 2", "plot(close[n], \"cn\")",
        ])
        #expect(same(p["c1"]!, [na, 1, 2, 3, 4, 5]))
        #expect(same(p["spread2"]!, [na, na, 0.5, 0.5, 0.5, 0.5]))
        #expect(same(p["t1"]!, [na, 1, 3, 6, 10, 15]))
        #expect(same(p["b3"]!, [na, na, na, 0, 1, 2]))
        #expect(same(p["cn"]!, [na, na, 1, 2, 3, 4]))
    }

    @Test func naHandling() throws {
        let p = try plots([
            "float x = bar_index % 2 == 0 ? na : close",
            "plot(nz(x), \"nz\")", "plot(nz(x, -1), \"nz1\")", "plot(na(x) ? 1 : 0, \"isna\")", "plot(fixnan(x), \"fix\")",
            "plot(x + 1, \"arith\")", "plot(x > 0 ? 1 : 0, \"cmp\")",
        ])
        #expect(p["nz"] == [0, 2, 0, 4, 0, 6])
        #expect(p["nz1"] == [-1, 2, -1, 4, -1, 6])
        #expect(p["isna"] == [1, 0, 1, 0, 1, 0])
        #expect(same(p["fix"]!, [na, 2, 2, 4, 4, 6]))
        #expect(same(p["arith"]!, [na, 3, na, 5, na, 7]))
        // Comparisons with na are false.
        #expect(p["cmp"] == [0, 1, 0, 1, 0, 1])
    }

    @Test func ifAndSwitchAsStatementsAndExpressions() throws {
        let p = try plots([
            "kind = if close < 3", "    1", "else if close < 5", "    2", "else", "    3",
            "s = switch", "    close == 1 => 10", "    close == 2 => 20", "    => 0",
            "t = switch bar_index % 3", "    0 => \"zero\"", "    1 => \"one\"", "    => \"two\"",
            "var float last = na",
            "if close > 4",
            "    last := close",
            "noElse = if close > 5", "    close",
            "plot(kind, \"kind\")", "plot(s, \"s\")", "plot(t == \"one\" ? 1 : 0, \"t\")", "plot(last, \"last\")", "plot(noElse, \"noElse\")",
        ])
        #expect(p["kind"] == [1, 1, 2, 2, 3, 3])
        #expect(p["s"] == [10, 20, 0, 0, 0, 0])
        #expect(p["t"] == [0, 1, 0, 0, 1, 0])
        #expect(same(p["last"]!, [na, na, na, na, 5, 6]))
        #expect(same(p["noElse"]!, [na, na, na, na, na, 6]))
    }

    @Test func loops() throws {
        let p = try plots([
            "sum = 0", "for i = 1 to bar_index + 1", "    sum += i",
            "down = 0", "for i = 3 to 1", "    down := down * 10 + i",
            "stepped = 0", "for i = 0 to 10 by 5", "    stepped += i",
            "evens = 0", "for i = 0 to 9", "    if i % 2 == 1", "        continue", "    if i > 6", "        break", "    evens += i",
            "w = 0", "k = 0", "while k < 4", "    k += 1", "    w += k",
            "a = array.from(1.5, 2.5, 3.0)", "total = 0.0", "for v in a", "    total += v",
            "indexed = 0.0", "for [i, v] in a", "    indexed += i * v",
            "plot(sum, \"sum\")", "plot(down, \"down\")", "plot(stepped, \"stepped\")", "plot(evens, \"evens\")", "plot(w, \"w\")",
            "plot(total, \"total\")", "plot(indexed, \"indexed\")",
        ])
        #expect(p["sum"] == [1, 3, 6, 10, 15, 21])
        #expect(p["down"]!.allSatisfy { $0 == 321 })
        #expect(p["stepped"]!.allSatisfy { $0 == 15 })
        #expect(p["evens"]!.allSatisfy { $0 == 12 }) // 0 + 2 + 4 + 6
        #expect(p["w"]!.allSatisfy { $0 == 10 })
        #expect(p["total"]!.allSatisfy { $0 == 7 })
        #expect(p["indexed"]!.allSatisfy { $0 == 8.5 }) // 0·1.5 + 1·2.5 + 2·3
    }

    @Test func functionsKeepSeriesStatePerCallSite() throws {
        let p = try plots([
            "double(x) => x * 2",
            "counter() =>", "    var n = 0", "    n += 1", "    n",
            "prev(x) => x[1]",
            "smooth(src, len) =>", "    s = ta.sma(src, len)", "    s",
            "pair(x) => [x, x * 10]",
            "[a, b] = pair(close)",
            "first = counter()", "second = counter() + counter()",
            "plot(double(close), \"double\")", "plot(first, \"first\")", "plot(second, \"second\")",
            "plot(prev(close) + prev(open), \"prev\")", "plot(smooth(close, 2), \"smooth\")", "plot(b - a, \"tuple\")",
        ])
        #expect(p["double"] == [2, 4, 6, 8, 10, 12])
        #expect(p["first"] == [1, 2, 3, 4, 5, 6])
        // Two call sites, two counters.
        #expect(p["second"] == [2, 4, 6, 8, 10, 12])
        #expect(same(p["prev"]!, [na, 1.5, 3.5, 5.5, 7.5, 9.5]))
        #expect(same(p["smooth"]!, [na, 1.5, 2.5, 3.5, 4.5, 5.5]))
        #expect(p["tuple"] == [9, 18, 27, 36, 45, 54])
    }

    @Test func lineContinuationAndComments() throws {
        let p = try plots([
            "x = close +  // a comment",
            "  open",
            "y = math.max(close,",
            "         open)",
            "// a whole-line comment",
            "plot(x, \"x\")", "plot(y, \"y\")",
        ])
        #expect(p["x"] == [1.5, 3.5, 5.5, 7.5, 9.5, 11.5])
        #expect(p["y"] == [1, 2, 3, 4, 5, 6])
    }

    @Test func integerDivisionByVersion() throws {
        let v5 = try plots(["plot(5 / 2, \"d\")", "plot(close / 2, \"s\")"], version: 5)
        let v6 = try plots(["plot(5 / 2, \"d\")"], version: 6)
        #expect(v5["d"]!.allSatisfy { $0 == 2 })
        #expect(v5["s"]![0] == 0.5)
        #expect(v6["d"]!.allSatisfy { $0 == 2.5 })
    }

    @Test func logicAndTernary() throws {
        let p = try plots([
            "up = close > open", "big = close > 3",
            "plot(up and big ? 1 : 0, \"and\")", "plot(not big or close == 2 ? 1 : 0, \"or\")",
            "plot(close != 2 ? close : -close, \"tern\")",
        ])
        #expect(p["and"] == [0, 0, 0, 1, 1, 1])
        #expect(p["or"] == [1, 1, 1, 0, 0, 0])
        #expect(p["tern"] == [1, -2, 3, 4, 5, 6])
    }

    @Test func mathAndStrings() throws {
        let p = try plots([
            "plot(math.abs(-close), \"abs\")", "plot(math.round(close / 4), \"round\")", "plot(math.round(2.345, 2), \"round2\")",
            "plot(math.max(close, 3, 2), \"max\")", "plot(math.pow(close, 2), \"pow\")", "plot(math.sqrt(close * close), \"sqrt\")",
            "plot(math.sum(close, 3), \"sum3\")", "plot(math.floor(close / 4), \"floor\")",
            "s = \"bar \" + str.tostring(bar_index)", "plot(str.length(s), \"len\")",
            "f = str.format(\"{0}-{1}\", close, \"x\")", "plot(f == \"2-x\" ? 1 : 0, \"fmt\")",
        ])
        #expect(p["abs"] == [1, 2, 3, 4, 5, 6])
        #expect(p["round"] == [0, 1, 1, 1, 1, 2])
        #expect(p["round2"]!.allSatisfy { abs($0 - 2.35) < 1e-12 })
        #expect(p["max"] == [3, 3, 3, 4, 5, 6])
        #expect(p["pow"] == [1, 4, 9, 16, 25, 36])
        #expect(p["sqrt"] == [1, 2, 3, 4, 5, 6])
        #expect(same(p["sum3"]!, [na, na, 6, 9, 12, 15]))
        #expect(p["floor"] == [0, 0, 0, 1, 1, 1])
        #expect(p["len"] == [5, 5, 5, 5, 5, 5])
        #expect(p["fmt"] == [0, 1, 0, 0, 0, 0])
    }

    @Test func arrays() throws {
        let p = try plots([
            "var a = array.new_float(0)", "array.push(a, close)", "if array.size(a) > 3", "    array.shift(a)",
            "b = array.new<int>(2, 7)", "array.set(b, 1, 9)", "a.push(0)", "a.pop()",
            "plot(array.size(a), \"size\")", "plot(array.sum(a), \"sum\")", "plot(array.get(a, -1), \"last\")",
            "plot(array.get(b, 0) + array.get(b, 1), \"b\")", "plot(array.max(a) - array.min(a), \"range\")",
        ])
        #expect(p["size"] == [1, 2, 3, 3, 3, 3])
        #expect(p["sum"] == [1, 3, 6, 9, 12, 15])
        #expect(p["last"] == [1, 2, 3, 4, 5, 6])
        #expect(p["b"]!.allSatisfy { $0 == 16 })
        #expect(p["range"] == [0, 1, 2, 2, 2, 2])
    }

    @Test func inputsBecomeParameters() throws {
        let source = """
            //@version=5
            indicator("inputs")
            length = input.int(3, "Length", minval = 1, maxval = 10)
            mode = input.string("Fast", "Mode", options = ["Fast", "Slow"])
            src = input.source(close, "Source")
            useIt = input.bool(true, "Use it")
            plot(ta.sma(src, length) * (mode == "Fast" ? 1 : 2) * (useIt ? 1 : 0))
            """
        let program = try PineProgram(source: source, inputs: ["Length": "2", "mode": "Slow", "Source": "open"])
        #expect(program.inputs.map(\.title) == ["Length", "Mode", "Source", "Use it"])
        #expect(program.inputs.map(\.variable) == ["length", "mode", "src", "useIt"])
        #expect(program.inputs.map(\.kind) == [.int, .string, .source, .bool])
        #expect(program.inputs.map(\.value) == ["2", "Slow", "open", "true"])
        #expect(program.inputs[0].minimum == 1 && program.inputs[0].maximum == 10)
        #expect(program.inputs[1].options == ["Fast", "Slow"])
        let values = try program.run(bars: countingBars(4)).plots[0].values
        // sma(open, 2) · 2: opens are 0.5, 1.5, 2.5, 3.5.
        #expect(same(values, [na, 2, 4, 6]))
    }

    @Test func builtinVariables() throws {
        let p = try plots([
            "plot(barstate.isfirst ? 1 : 0, \"first\")", "plot(barstate.islast ? 1 : 0, \"last\")",
            "plot(last_bar_index, \"lbi\")", "plot(hl2, \"hl2\")", "plot(time, \"time\")", "plot(timeframe.multiplier, \"mult\")",
        ], bars: countingBars(3))
        #expect(p["first"] == [1, 0, 0])
        #expect(p["last"] == [0, 0, 1])
        #expect(p["lbi"] == [2, 2, 2])
        #expect(p["hl2"] == [1, 2, 3])
        #expect(p["time"] == [0, 3_600_000, 7_200_000])
    }

    @Test func timeframeChangeAndPivotLevels() throws {
        // Hourly bars from 2024-03-01T21:00Z: a new UTC day at 00:00 (bar 3), new 4h periods at 00:00
        // and 04:00 (bars 3 and 7); the first bar is not a change.
        let start: Int64 = 1_709_326_800_000
        let bars = (0..<8).map { i in
            Bar(openTime: start + Int64(i) * 3_600_000, open: 10, high: 12 + Double(i), low: 8, close: 11, volume: 1)
        }
        let p = try plots([
            "plot(timeframe.change(\"D\") ? 1 : 0, \"day\")", "plot(timeframe.change(\"240\") ? 1 : 0, \"4h\")",
            "levels = ta.pivot_point_levels(\"Traditional\", timeframe.change(\"D\"))",
            "plot(array.size(levels), \"n\")", "plot(array.get(levels, 0), \"P\")",
        ], bars: bars)
        #expect(p["day"] == [0, 0, 0, 1, 0, 0, 0, 0])
        #expect(p["4h"] == [0, 0, 0, 1, 0, 0, 0, 1])
        #expect(p["n"]!.allSatisfy { $0 == 11 })
        // The first day is bars 0–2 (high 14, low 8, last close 11): P = (14 + 8 + 11) / 3 = 11 from bar 3 on.
        #expect(same(p["P"]!, [na, na, na, 11, 11, 11, 11, 11]))
    }

    @Test func calendarFieldsInUTC() throws {
        // 2024-02-29T23:00:00Z (a Thursday), then 2024-03-01T00:00Z and 01:00Z.
        let start: Int64 = 1_709_247_600_000
        let bars = (0..<3).map { Bar(openTime: start + Int64($0) * 3_600_000, open: 1, high: 1, low: 1, close: 1, volume: 1) }
        let p = try plots(["plot(year, \"y\")", "plot(month, \"m\")", "plot(dayofmonth, \"d\")", "plot(dayofweek, \"w\")",
                           "plot(hour, \"h\")", "plot(dayofweek == dayofweek.friday ? 1 : 0, \"fri\")"], bars: bars)
        #expect(p["y"] == [2024, 2024, 2024])
        #expect(p["m"] == [2, 3, 3])
        #expect(p["d"] == [29, 1, 1])
        #expect(p["w"] == [5, 6, 6])
        #expect(p["h"] == [23, 0, 1])
        #expect(p["fri"] == [0, 1, 1])
    }

    @Test func drawingCallsAreAccepted() throws {
        let p = try plots([
            "plotshape(close > 2, title = \"big\", style = shape.triangleup, location = location.belowbar, color = color.green)",
            "bgcolor(close > 2 ? color.new(color.red, 90) : na)", "hline(50, \"mid\", color = color.gray)",
            "l = label.new(bar_index, high, \"x\")", "alertcondition(close > 3, \"a\", \"msg\")",
            "plot(close, \"c\", color = #FF0000, linewidth = 2)",
        ])
        #expect(p["c"] == [1, 2, 3, 4, 5, 6])
    }
}
