import MarketData
import Testing
import TradingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Parses `text` and returns the error the parser throws (nil when it parses). Shared with
/// `CandleCSVParallelTests`.
func parseError(_ text: String, options: CandleCSVParser.Options = .strict) -> TradingError? {
    do {
        _ = try CandleCSVParser.parse(text: text, options: options)
        return nil
    } catch {
        return error
    }
}

private let jan1 = ISO8601Text.parse("2024-01-01T00:00:00Z")!

@Suite("CSV candle parser")
struct CandleCSVParserTests {
    // MARK: Timestamp formats

    @Test("epoch milliseconds with a header")
    func epochMilliseconds() throws {
        let parsed = try CandleCSVParser.parse(text: """
            timestamp,open,high,low,close,volume
            1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68108
            1704067260000,42475.23,42600,42470.1,42588.9,100.5
            """)
        #expect(parsed.bars == [
            Bar(openTime: 1_704_067_200_000, open: 42283.58, high: 42554.57, low: 42261.02, close: 42475.23, volume: 1271.68108),
            Bar(openTime: 1_704_067_260_000, open: 42475.23, high: 42600, low: 42470.1, close: 42588.9, volume: 100.5),
        ])
        #expect(parsed.layout == .header(timeColumn: "timestamp"))
        #expect(parsed.issues.isEmpty)
        #expect(parsed.rowCount == 2)
    }

    @Test("epoch seconds, with and without a fraction")
    func epochSeconds() throws {
        let parsed = try CandleCSVParser.parse(text: "time,open,high,low,close,volume\n1704067200,1,2,0.5,1.5,10\n1704067260.250,1,2,0.5,1.5,10\n")
        #expect(parsed.bars.map(\.openTime) == [1_704_067_200_000, 1_704_067_260_250])
    }

    @Test("epoch microseconds and nanoseconds")
    func epochMicroAndNanoseconds() throws {
        let parsed = try CandleCSVParser.parse(text: "time,open,high,low,close,volume\n1704067200000000,1,2,0.5,1.5,10\n1704067260000000000,1,2,0.5,1.5,10\n")
        #expect(parsed.bars.map(\.openTime) == [1_704_067_200_000, 1_704_067_260_000])
    }

    @Test("ISO 8601 variants")
    func iso8601() throws {
        let parsed = try CandleCSVParser.parse(text: """
            date,open,high,low,close,volume
            2024-01-01,1,2,0.5,1.5,10
            2024-01-01T01:00Z,1,2,0.5,1.5,10
            2024-01-01 02:00:00,1,2,0.5,1.5,10
            2024-01-01T03:00:00.5Z,1,2,0.5,1.5,10
            2024-01-01T05:00:00+01:00,1,2,0.5,1.5,10
            2024-01-01T03:00:00-02:00,1,2,0.5,1.5,10
            "2024-01-01T06:00:00.123456Z",1,2,0.5,1.5,10
            """)
        let hour: Int64 = 3_600_000
        #expect(parsed.bars.map(\.openTime) == [
            jan1, jan1 + hour, jan1 + 2 * hour, jan1 + 3 * hour + 500, jan1 + 4 * hour, jan1 + 5 * hour, jan1 + 6 * hour + 123,
        ])
        #expect(parsed.layout == .header(timeColumn: "date"))
    }

    @Test("timestamp unit by magnitude: < 1e11 seconds, < 1e14 ms, < 1e17 µs, else ns")
    func unitBoundaries() throws {
        func openTime(_ field: String) throws -> Int64 {
            try CandleCSVParser.parse(text: "timestamp,open,high,low,close,volume\n\(field),1,1,1,1,0\n").bars[0].openTime
        }
        #expect(try openTime("99999999999") == 99_999_999_999_000)
        #expect(try openTime("100000000000") == 100_000_000_000)
        #expect(try openTime("99999999999999") == 99_999_999_999_999)
        #expect(try openTime("100000000000000") == 100_000_000_000)
        #expect(try openTime("99999999999999999") == 99_999_999_999_999)
        #expect(try openTime("100000000000000000") == 100_000_000_000)
        #expect(try openTime("1704067200000.0") == 1_704_067_200_000)
    }

    // MARK: Layouts

    @Test("header in any order and letter case, extra columns ignored, quotes and spaces trimmed")
    func headerAnyOrder() throws {
        let parsed = try CandleCSVParser.parse(text: """
            Symbol, VOLUME ,Close,"Low",HIGH,Open,Open_Time,trades
            BTCUSDT, 12.5 ,101.5,"99",102,100,"2024-01-01T00:00:00Z",7
            BTCUSDT,3,101,100.5,101.75,101.5,2024-01-01T00:01:00Z,2
            """)
        #expect(parsed.bars == [
            Bar(openTime: jan1, open: 100, high: 102, low: 99, close: 101.5, volume: 12.5),
            Bar(openTime: jan1 + 60_000, open: 101.5, high: 101.75, low: 100.5, close: 101, volume: 3),
        ])
        #expect(parsed.layout == .header(timeColumn: "Open_Time"))
    }

    @Test("open_time wins over other time columns")
    func timeColumnPriority() throws {
        let parsed = try CandleCSVParser.parse(text: "date,open_time,open,high,low,close,volume\nignored,1704067200000,1,1,1,1,1\n")
        #expect(parsed.bars[0].openTime == jan1)
    }

    @Test("Binance public kline file: no header, 12 columns, milliseconds")
    func binanceMilliseconds() throws {
        let parsed = try CandleCSVParser.parse(text: """
            1704067200000,42283.58000000,42554.57000000,42261.02000000,42475.23000000,1271.68108000,1704070799999,53957248.44939060,47134,682.57581000,28957416.81813780,0
            1704070800000,42475.23000000,42775.00000000,42431.65000000,42613.56000000,1196.37856000,1704074399999,50987483.69735640,46745,588.99742000,25101708.09830340,0

            """)
        #expect(parsed.layout == .binanceKlines)
        #expect(parsed.bars == [
            Bar(openTime: 1_704_067_200_000, open: 42283.58, high: 42554.57, low: 42261.02, close: 42475.23, volume: 1271.68108),
            Bar(openTime: 1_704_070_800_000, open: 42475.23, high: 42775, low: 42431.65, close: 42613.56, volume: 1196.37856),
        ])
    }

    @Test("Binance public kline file with microsecond timestamps (2025+)")
    func binanceMicroseconds() throws {
        let parsed = try CandleCSVParser.parse(text: "1735689600000000,93576.00000000,94509.42000000,93489.03000000,94401.14000000,755.99467000,1735693199999999,71093423.28376160,135646,404.80217000,38070017.60046130,0\n")
        #expect(parsed.bars == [Bar(openTime: 1_735_689_600_000, open: 93576, high: 94509.42, low: 93489.03, close: 94401.14, volume: 755.99467)])
    }

    @Test("headerless six columns")
    func headerlessSix() throws {
        let parsed = try CandleCSVParser.parse(text: "1704067200000,1,2,0.5,1.5,10\n1704067260000,1.5,2,1,1.25,11\n")
        #expect(parsed.layout == .headerlessOHLCV)
        #expect(parsed.bars.count == 2)
        #expect(parsed.bars[1] == Bar(openTime: jan1 + 60_000, open: 1.5, high: 2, low: 1, close: 1.25, volume: 11))
    }

    @Test("CRLF line ends, BOM, blank lines and a missing final newline are tolerated")
    func lineEnds() throws {
        let crlf = try CandleCSVParser.parse(text: "\u{FEFF}timestamp,open,high,low,close,volume\r\n1704067200000,1,2,0.5,1.5,10\r\n\r\n1704067260000,1,2,0.5,1.5,10\r\n\r\n")
        #expect(crlf.bars.map(\.openTime) == [jan1, jan1 + 60_000])
        #expect(crlf.bars[0].volume == 10)
        let noFinalNewline = try CandleCSVParser.parse(text: "timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10")
        #expect(noFinalNewline.bars.count == 1)
        // Line numbers count physical lines, blank ones included.
        let error = parseError("\r\n\r\ntimestamp,open,high,low,close,volume\r\n\r\n1704067200000,x,2,0.5,1.5,10\r\n")
        #expect(error?.message == "line 5: malformed number 'x' in column 'open'")
        #expect(error?.details["line"] == .number(5))
    }

    @Test("semicolon and tab delimiters")
    func otherDelimiters() throws {
        let semicolon = try CandleCSVParser.parse(text: "timestamp;open;high;low;close;volume\n1704067200000;1;2;0.5;1.5;10\n")
        let tab = try CandleCSVParser.parse(text: "timestamp\topen\thigh\tlow\tclose\tvolume\n1704067200000\t1\t2\t0.5\t1.5\t10\n")
        let expected = [Bar(openTime: jan1, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10)]
        #expect(semicolon.bars == expected)
        #expect(tab.bars == expected)
    }

    @Test("reading from a file path, and a missing file")
    func fromPath() throws {
        let path = "/tmp/marketdata-test-\(getpid()).csv"
        let file = fopen(path, "w")!
        fputs("timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10\n", file)
        fclose(file)
        defer { unlink(path) }
        let parsed = try CandleCSVParser.parse(contentsOf: path)
        #expect(parsed.bars == [Bar(openTime: jan1, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10)])

        #expect(throws: TradingError.self) { try CandleCSVParser.parse(contentsOf: "/nonexistent/dir/x.csv") }
        do {
            _ = try CandleCSVParser.parse(contentsOf: "/nonexistent/dir/x.csv")
        } catch {
            #expect(error.code == .dataUnavailable)
            #expect(error.message == "cannot read '/nonexistent/dir/x.csv': No such file or directory")
        }
    }

    // MARK: Errors (exact line and message)

    static let header = "timestamp,open,high,low,close,volume\n"
    static let row1 = "1704067200000,10,11,9,10.5,1\n"

    @Test("error messages", arguments: [
        ("", "line 1: empty file: expected a header row or candle rows", "empty_file", 1),
        ("\n  \n\r\n", "line 1: empty file: expected a header row or candle rows", "empty_file", 1),
        (header, "line 2: no candle rows after the header", "no_rows", 2),
        (header + "\n\n", "line 2: no candle rows after the header", "no_rows", 2),
        ("timestamp,open,high,low,volume\n1704067200000,1,1,1,1\n",
         "line 1: missing column 'close' in header (found: timestamp, open, high, low, volume)", "missing_column", 1),
        ("ts,open,high,low,close,volume\nx,1,1,1,1,1\n",
         "line 1: missing time column (one of open_time, timestamp, time, date, datetime) in header (found: ts, open, high, low, close, volume)",
         "missing_column", 1),
        (header + row1 + "1704067260000,10,11,9,10.5\n", "line 3: expected 6 columns, found 5", "column_count", 3),
        (header + row1 + "1704067260000,10,11,9,10.5,1,7\n", "line 3: expected 6 columns, found 7", "column_count", 3),
        (header + "1704067200000,10,abc,9,10.5,1\n", "line 2: malformed number 'abc' in column 'high'", "malformed_number", 2),
        (header + "1704067200000,10,11,9,1.2.3,1\n", "line 2: malformed number '1.2.3' in column 'close'", "malformed_number", 2),
        (header + "1704067200000,10,11,9,10.5,1e\n", "line 2: malformed number '1e' in column 'volume'", "malformed_number", 2),
        (header + "1704067200000,,11,9,10.5,1\n", "line 2: empty number in column 'open'", "malformed_number", 2),
        (header + "2024-13-01,10,11,9,10.5,1\n", "line 2: malformed timestamp '2024-13-01' in column 'timestamp'", "malformed_timestamp", 2),
        (header + "2024-02-30T00:00:00Z,10,11,9,10.5,1\n", "line 2: malformed timestamp '2024-02-30T00:00:00Z' in column 'timestamp'", "malformed_timestamp", 2),
        (header + "yesterday,10,11,9,10.5,1\n", "line 2: malformed timestamp 'yesterday' in column 'timestamp'", "malformed_timestamp", 2),
        (header + "1704067200000,10,9.5,9,9.75,1\n", "line 2: inconsistent bar: high 9.5 is below max(open, close) 10.0", "inconsistent_bar", 2),
        (header + "1704067200000,10,11,10.25,10.5,1\n", "line 2: inconsistent bar: low 10.25 is above min(open, close) 10.0", "inconsistent_bar", 2),
        (header + "1704067200000,10,11,0,10.5,1\n", "line 2: non-positive price 0.0 in column 'low'", "non_positive_price", 2),
        (header + "1704067200000,10,11,9,10.5,-1\n", "line 2: negative volume -1.0 in column 'volume'", "negative_volume", 2),
        (header + row1 + row1,
         "line 3: duplicate timestamp 2024-01-01T00:00:00Z (1704067200000), first seen on line 2", "duplicate_timestamp", 3),
        (header + "1704067260000,10,11,9,10.5,1\n" + row1,
         "line 3: timestamp 2024-01-01T00:00:00Z (1704067200000) is earlier than 2024-01-01T00:01:00Z on line 2; rows must be in increasing time order",
         "out_of_order", 3),
        ("1704067200000,1,2,0.5,1.5,10,7\n",
         "line 1: no header row and 7 columns; expected a header naming timestamp, open, high, low, close, volume, or 6 columns in that order, or the 12 columns of a Binance kline file",
         "unknown_layout", 1),
        ("1704067200000,1,2,0.5,1.5,10\n1704067260000,1,2,0.5,1.5,10,1,1,1,1,1,1\n", "line 2: expected 6 columns, found 12", "column_count", 2),
    ])
    func errors(text: String, message: String, reason: String, line: Int) {
        let error = parseError(text)
        #expect(error?.code == .invalidData)
        #expect(error?.message == message)
        #expect(error?.details["reason"] == .text(reason))
        #expect(error?.details["line"] == .number(Double(line)))
    }

    @Test("column names in messages are spelled as in the header")
    func columnNameAsWritten() {
        let error = parseError("Time,Open,High,Low,Close,Volume\n1704067200000,1,2,0.5,oops,1\n")
        #expect(error?.message == "line 2: malformed number 'oops' in column 'Close'")
        #expect(error?.details["column"] == .text("Close"))
        #expect(error?.details["value"] == .text("oops"))
    }

    @Test("strict mode with a timeframe rejects misaligned bars")
    func strictMisaligned() {
        let error = parseError(Self.header + "1704067230000,10,11,9,10.5,1\n", options: CandleCSVParser.Options(mode: .strict, timeframe: .oneMinute))
        #expect(error?.message == "line 2: timestamp 2024-01-01T00:00:30Z (1704067230000) is not aligned to the 1m period (period starts 2024-01-01T00:00:00Z)")
        #expect(error?.details["reason"] == .text("misaligned"))
        // Without a timeframe there is no alignment check.
        #expect(parseError(Self.header + "1704067230000,10,11,9,10.5,1\n") == nil)
    }

    // MARK: Report mode

    @Test("report mode drops duplicates and misaligned rows, sorts out-of-order rows, and lists them")
    func reportMode() throws {
        let t0 = jan1
        func row(_ time: Int64, _ close: Double) -> String { "\(time),10,11,9,\(close),1\n" }
        let text = Self.header
            + row(t0, 10.1)  // line 2
            + row(t0 + 60_000, 10.2)  // line 3
            + row(t0 + 60_000, 10.3)  // line 4: duplicate of line 3
            + row(t0 + 30_000, 10.4)  // line 5: misaligned
            + row(t0 + 180_000, 10.5)  // line 6
            + row(t0 + 120_000, 10.6)  // line 7: out of order
        let parsed = try CandleCSVParser.parse(text: text, options: .importing(timeframe: .oneMinute))
        #expect(parsed.bars.map(\.openTime) == [t0, t0 + 60_000, t0 + 120_000, t0 + 180_000])
        #expect(parsed.bars.map(\.close) == [10.1, 10.2, 10.6, 10.5])
        #expect(parsed.rowCount == 6)
        #expect(parsed.issues.map(\.line) == [4, 5, 7])
        #expect(parsed.issues.map(\.kind) == [
            .duplicateTimestamp(firstLine: 3), .misaligned(periodStart: t0), .outOfOrder(previousLine: 6),
        ])
        #expect(parsed.issues[0].message == "line 4: duplicate timestamp 2024-01-01T00:01:00Z (1704067260000), first seen on line 3")
        #expect(parsed.issues[1].message == "line 5: timestamp 2024-01-01T00:00:30Z (1704067230000) is not aligned to the 1m period (period starts 2024-01-01T00:00:00Z)")
        #expect(parsed.issues[2].message == "line 7: timestamp 2024-01-01T00:02:00Z (1704067320000) is earlier than 2024-01-01T00:03:00Z on line 6; rows must be in increasing time order")
    }

    @Test("report mode finds duplicates that only meet after sorting")
    func reportModeDuplicateAfterSort() throws {
        let t0 = jan1
        let text = Self.header
            + "\(t0),10,11,9,10,1\n"  // line 2
            + "\(t0 + 120_000),10,11,9,10,1\n"  // line 3
            + "\(t0 + 60_000),10,11,9,10,1\n"  // line 4: out of order
            + "\(t0 + 120_000),10,11,9,10,2\n"  // line 5: duplicate of line 3
        let parsed = try CandleCSVParser.parse(text: text, options: .importing(timeframe: nil))
        #expect(parsed.bars.map(\.openTime) == [t0, t0 + 60_000, t0 + 120_000])
        #expect(parsed.bars[2].volume == 1)
        #expect(parsed.issues.map(\.kind) == [.outOfOrder(previousLine: 3), .duplicateTimestamp(firstLine: 3)])
        #expect(parsed.issues.map(\.line) == [4, 5])
    }

    @Test("report mode still fails on malformed rows")
    func reportModeMalformed() {
        let error = parseError(Self.header + "1704067200000,10,11,9,x,1\n", options: .importing(timeframe: nil))
        #expect(error?.message == "line 2: malformed number 'x' in column 'close'")
    }

    // MARK: Numbers

    @Test("prices written by Double.description parse back exactly, through a whole CSV")
    func csvRoundTrip() throws {
        var generator = SplitMix(seed: 42)
        var text = Self.header
        var expected: [Bar] = []
        for i in 0..<2000 {
            let open = Double(generator.next() % 10_000_000) / 100 + 0.01
            let close = Double(generator.next() % 10_000_000) / 100 + 0.01
            let high = max(open, close) * 1.01
            let low = min(open, close) / 1.01
            let volume = Double(bitPattern: generator.next() >> 2) .truncatingRemainder(dividingBy: 1e9).magnitude
            let bar = Bar(openTime: jan1 + Int64(i) * 60_000, open: open, high: high, low: low, close: close, volume: volume.isFinite ? volume : 1)
            expected.append(bar)
            text += "\(bar.openTime),\(bar.open),\(bar.high),\(bar.low),\(bar.close),\(bar.volume)\n"
        }
        #expect(try CandleCSVParser.parse(text: text).bars == expected)
    }
}

/// Deterministic test randomness.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
