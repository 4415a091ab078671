@testable import MarketData
import Testing
import TradingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Large strict files are read by several scanners at once; these tests pin that the result, and
/// every error, is exactly what the serial read gives.
@Suite("CSV candle parser, parallel read of large files")
struct CandleCSVParallelTests {
    static let header = "timestamp,open,high,low,close,volume\n"
    static let start = ISO8601Text.parse("2024-01-01T00:00:00Z")!

    /// `count` one-minute rows, each line different in length, and the bars they hold.
    static func rows(_ count: Int) -> (text: String, bars: [Bar]) {
        var text = header
        text.reserveCapacity(count * 48)
        var bars: [Bar] = []
        bars.reserveCapacity(count)
        for i in 0..<count {
            let time = start + Int64(i) * 60_000
            let open = Double(10_000 + (i * 37) % 5_000) + 0.25
            let close = Double(10_000 + (i * 53) % 5_000) + 0.5
            let high = max(open, close) + Double(i % 7)
            let low = min(open, close) - Double(i % 5) - 0.125
            let volume = Double(i % 1_000) * 0.5
            bars.append(Bar(openTime: time, open: open, high: high, low: low, close: close, volume: volume))
            text += "\(time),\(open),\(high),\(low),\(close),\(volume)\n"
        }
        return (text, bars)
    }

    static func scanner() -> CandleCSVRowScanner {
        CandleCSVRowScanner(
            roles: [0, 1, 2, 3, 4, 5], columnNames: ["timestamp", "open", "high", "low", "close", "volume"],
            delimiter: UInt8(ascii: ","), strict: true, timeframe: nil)
    }

    @Test("a file over the threshold parses to the same bars as the serial read")
    func sameBars() throws {
        let (text, bars) = Self.rows(120_000)
        #expect(text.utf8.count > CandleCSVRowScanner.parallelThreshold)
        let strict = try CandleCSVParser.parse(text: text)
        // Report mode never takes the parallel path.
        let serial = try CandleCSVParser.parse(text: text, options: .importing(timeframe: nil))
        #expect(strict.bars == bars)
        #expect(serial.bars == bars)
        #expect(strict.rowCount == 120_000)
        #expect(strict.issues.isEmpty)
        #expect(strict.layout == .header(timeColumn: "timestamp"))
    }

    @Test("every worker count joins the stretches in order", arguments: 2...8)
    func workerCounts(workers: Int) {
        let (text, bars) = Self.rows(3_000)
        let bytes = Array(text.utf8)
        let headerEnd = Self.header.utf8.count
        let joined = bytes.withUnsafeBufferPointer { buffer in
            CandleCSVRowScanner.scanInParallel(buffer, from: headerEnd, to: buffer.count, template: Self.scanner(), workers: workers)
        }
        #expect(joined == bars)
    }

    @Test("stretch cuts fall just after a newline and cover the rows once")
    func cuts() {
        let (text, _) = Self.rows(500)
        let bytes = Array(text.utf8)
        let headerEnd = Self.header.utf8.count
        for workers in 2...8 {
            let cuts = bytes.withUnsafeBufferPointer { CandleCSVRowScanner.stretchCuts($0, from: headerEnd, to: $0.count, workers: workers) }
            #expect(cuts.count == workers + 1)
            #expect(cuts.first == headerEnd)
            #expect(cuts.last == bytes.count)
            #expect(cuts == cuts.sorted())
            for cut in cuts.dropFirst().dropLast() where cut < bytes.count {
                #expect(bytes[cut - 1] == UInt8(ascii: "\n"))
            }
        }
    }

    /// A duplicate or an earlier timestamp on the first line of a stretch is invisible to that
    /// stretch's scanner; the join must catch it.
    @Test("a duplicate or out-of-order row right at a stretch boundary is caught", arguments: 2...8)
    func boundary(workers: Int) throws {
        let (text, _) = Self.rows(2_000)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Find the data line that starts the second stretch.
        let bytes = Array(text.utf8)
        let headerEnd = Self.header.utf8.count
        let cut = bytes.withUnsafeBufferPointer { CandleCSVRowScanner.stretchCuts($0, from: headerEnd, to: $0.count, workers: workers) }[1]
        let lineIndex = bytes[..<cut].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }  // 0-based index into `lines`
        let previousTime = lines[lineIndex - 1].split(separator: ",")[0]
        let fields = lines[lineIndex].split(separator: ",").dropFirst().joined(separator: ",")

        for (replacement, reason) in [(String(previousTime), "duplicate_timestamp"), (String(Int64(previousTime)! - 60_000), "out_of_order")] {
            lines[lineIndex] = replacement + "," + fields
            let broken = lines.joined(separator: "\n")
            let joined = Array(broken.utf8).withUnsafeBufferPointer { buffer in
                CandleCSVRowScanner.scanInParallel(buffer, from: headerEnd, to: buffer.count, template: Self.scanner(), workers: workers)
            }
            #expect(joined == nil)
            // And the whole parse reports it with the serial read's line and message.
            let error = parseError(broken)
            #expect(error?.details["reason"] == .text(reason))
            #expect(error?.details["line"] == .number(Double(lineIndex + 1)))
            #expect(error?.details["previous_line"] == .number(Double(lineIndex)))
        }
    }

    @Test("errors deep in a large file carry the exact line, as a serial read reports them")
    func lateErrors() throws {
        let (text, _) = Self.rows(110_000)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let target = 100_001  // 0-based index: physical line 100,002
        let time = lines[target].split(separator: ",")[0]

        var malformed = lines
        malformed[target] = "\(time),10,11,9,x1,1"
        let error = parseError(malformed.joined(separator: "\n"))
        #expect(error?.message == "line 100002: malformed number 'x1' in column 'close'")
        #expect(error?.details["line"] == .number(100_002))

        var short = lines
        short[target] = "\(time),10,11,9,10.5"
        #expect(parseError(short.joined(separator: "\n"))?.message == "line 100002: expected 6 columns, found 5")

        // Two problems in different stretches: the earlier line is reported, as a serial read does.
        lines[target] = "\(time),10,9,9.5,9.75,1"
        lines[100] = "\(lines[100].split(separator: ",")[0]),1,2,0.5,1.5,-3"
        #expect(parseError(lines.joined(separator: "\n"))?.message == "line 101: negative volume -3.0 in column 'volume'")
    }

    @Test("a blank line at a stretch boundary and a missing final newline are read as in a serial read")
    func blankLinesAndEnd() throws {
        let (text, bars) = Self.rows(120_000)
        // Blank lines everywhere a cut might fall cannot be planted without knowing the cuts, so
        // put one after every 1,000th row, and drop the final newline.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        for index in stride(from: lines.count - 1, to: 1, by: -1_000) { lines.insert("", at: index) }
        let parsed = try CandleCSVParser.parse(text: lines.joined(separator: "\n"))
        #expect(parsed.bars == bars)
        #expect(parsed.rowCount == bars.count)
    }

    @Test("a mapped file and the same bytes in memory parse alike")
    func mappedFile() throws {
        let (text, bars) = Self.rows(120_000)
        let path = "/tmp/marketdata-parallel-\(getpid()).csv"
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
        defer { unlink(path) }
        let parsed = try CandleCSVParser.parse(contentsOf: path)
        #expect(parsed.bars == bars)
        #expect(parsed.rowCount == bars.count)
    }
}
