import Synchronization
import TradingCore

/// The data-row loop of `CandleCSVParser`: turns rows into bars, checking order, duplicates and
/// alignment as the parse mode says. One scanner reads one stretch of whole lines, so a large
/// file in strict mode can be read by several scanners at once (`scanInParallel`).
struct CandleCSVRowScanner {
    /// Column roles by field index: 0 time, 1 open, 2 high, 3 low, 4 close, 5 volume, 255 ignored.
    let roles: [UInt8]
    /// The header names (or the layout's names) of the six roles, for messages.
    let columnNames: [String]
    let delimiter: UInt8
    let strict: Bool
    let timeframe: Timeframe?

    private(set) var bars: [Bar] = []
    /// The physical line of each bar (report mode only).
    private(set) var lines: [Int32] = []
    private(set) var issues: [CandleCSVIssue] = []
    private(set) var rowCount = 0
    private(set) var needsSort = false
    private var lastTime = Int64.min
    private var lastLine = 0

    init(roles: [UInt8], columnNames: [String], delimiter: UInt8, strict: Bool, timeframe: Timeframe?) {
        self.roles = roles
        self.columnNames = columnNames
        self.delimiter = delimiter
        self.strict = strict
        self.timeframe = timeframe
    }

    /// A scanner with the same settings and no rows yet.
    func emptyCopy() -> CandleCSVRowScanner {
        CandleCSVRowScanner(roles: roles, columnNames: columnNames, delimiter: delimiter, strict: strict, timeframe: timeframe)
    }

    /// Reads the lines of `buffer[position..<end]`; `lineNumber` is the physical line before the
    /// first one (line numbers in errors are 1-based).
    mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, lineNumber firstLine: Int) throws(TradingError) {
        bars.reserveCapacity(bars.count + max(16, (end - start) / 48))
        if !strict { lines.reserveCapacity(bars.capacity) }
        let expectedColumns = roles.count
        let delimiter = self.delimiter
        let newline = CandleCSVParser.newline
        var position = start
        var lineNumber = firstLine
        let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 12)
        defer { bounds.deallocate() }

        try roles.withUnsafeBufferPointer { (roleTable: UnsafeBufferPointer<UInt8>) throws(TradingError) in
            while position < end {
                lineNumber += 1
                let lineStart = position
                var fieldStart = position
                var fieldIndex = 0
                while position < end {
                    let byte = buffer[position]
                    if byte == delimiter {
                        Self.mark(field: fieldIndex, from: fieldStart, to: position, roles: roleTable, bounds: bounds)
                        fieldIndex += 1
                        fieldStart = position + 1
                    } else if byte == newline {
                        break
                    }
                    position += 1
                }
                let lineEnd = position
                position += 1
                Self.mark(field: fieldIndex, from: fieldStart, to: lineEnd, roles: roleTable, bounds: bounds)
                fieldIndex += 1
                if fieldIndex == 1 {
                    let t = CandleCSVParser.trim(buffer, lineStart, lineEnd, stripQuotes: false)
                    if t.start == t.end { continue }  // blank line
                }
                rowCount += 1
                guard fieldIndex == expectedColumns else {
                    throw CandleCSVParser.failure(
                        line: lineNumber, reason: "column_count",
                        "line \(lineNumber): expected \(expectedColumns) columns, found \(fieldIndex)",
                        ["expected": .number(Double(expectedColumns)), "found": .number(Double(fieldIndex))])
                }

                // Timestamp.
                let tf = CandleCSVParser.trim(buffer, bounds[0], bounds[1], stripQuotes: true)
                guard let openTime = CandleCSVParser.parseTimestamp(buffer, tf.start, tf.end) else {
                    throw CandleCSVParser.malformed(buffer, tf, line: lineNumber, column: columnNames[0], what: "timestamp")
                }
                // Numbers.
                var values: (Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0)
                for role in 1...5 {
                    let f = CandleCSVParser.trim(buffer, bounds[2 &* role], bounds[2 &* role &+ 1], stripQuotes: true)
                    guard let value = DecimalParser.parse(buffer, f.start, f.end) else {
                        throw CandleCSVParser.malformed(buffer, f, line: lineNumber, column: columnNames[role], what: "number")
                    }
                    switch role {
                    case 1: values.0 = value
                    case 2: values.1 = value
                    case 3: values.2 = value
                    case 4: values.3 = value
                    default: values.4 = value
                    }
                }
                let bar = Bar(openTime: openTime, open: values.0, high: values.1, low: values.2, close: values.3, volume: values.4)
                if !(bar.low > 0 && bar.volume >= 0 && bar.high >= max(bar.open, bar.close) && bar.low <= min(bar.open, bar.close)) {
                    throw CandleCSVParser.inconsistent(bar, line: lineNumber, columnNames: columnNames)
                }
                try accept(bar, line: lineNumber)
            }
        }
    }

    /// Records where field `field` lies when its column has one of the six roles (extra fields
    /// beyond the layout's columns are counted by the caller, not recorded).
    @inline(__always)
    private static func mark(field: Int, from start: Int, to end: Int, roles: UnsafeBufferPointer<UInt8>, bounds: UnsafeMutablePointer<Int>) {
        guard field < roles.count else { return }
        let role = Int(roles[field])
        guard role < 6 else { return }
        bounds[2 &* role] = start
        bounds[2 &* role &+ 1] = end
    }

    /// Order, duplicates, alignment — then the bar is kept (or recorded as an issue and dropped).
    @inline(__always)
    private mutating func accept(_ bar: Bar, line lineNumber: Int) throws(TradingError) {
        let openTime = bar.openTime
        if openTime <= lastTime {
            if openTime == lastTime {
                let message = "line \(lineNumber): duplicate timestamp \(ISO8601Text.format(openTime)) (\(openTime)), first seen on line \(lastLine)"
                if strict {
                    throw CandleCSVParser.failure(
                        line: lineNumber, reason: "duplicate_timestamp", message,
                        ["previous_line": .number(Double(lastLine)), "timestamp": .number(Double(openTime))])
                }
                issues.append(CandleCSVIssue(line: lineNumber, openTime: openTime, kind: .duplicateTimestamp(firstLine: lastLine), message: message))
                return
            }
            let message = "line \(lineNumber): timestamp \(ISO8601Text.format(openTime)) (\(openTime)) is earlier than \(ISO8601Text.format(lastTime)) on line \(lastLine); rows must be in increasing time order"
            if strict {
                throw CandleCSVParser.failure(
                    line: lineNumber, reason: "out_of_order", message,
                    ["previous_line": .number(Double(lastLine)), "timestamp": .number(Double(openTime))])
            }
            if let timeframe, !PeriodCalendar.isAligned(openTime, to: timeframe) {
                issues.append(CandleCSVParser.misaligned(openTime, line: lineNumber, timeframe: timeframe))
                return
            }
            issues.append(CandleCSVIssue(line: lineNumber, openTime: openTime, kind: .outOfOrder(previousLine: lastLine), message: message))
            needsSort = true
        } else if let timeframe, !PeriodCalendar.isAligned(openTime, to: timeframe) {
            let issue = CandleCSVParser.misaligned(openTime, line: lineNumber, timeframe: timeframe)
            if strict {
                throw CandleCSVParser.failure(
                    line: lineNumber, reason: "misaligned", issue.message,
                    ["timestamp": .number(Double(openTime)), "timeframe": .text(timeframe.rawValue)])
            }
            issues.append(issue)
            return
        }
        lastTime = openTime
        lastLine = lineNumber
        bars.append(bar)
        if !strict { lines.append(Int32(truncatingIfNeeded: lineNumber)) }
    }

    /// Files in strict mode with at least this many bytes of rows are read by several scanners.
    static let parallelThreshold = 4 << 20

    /// Reads `buffer[start..<end]` (strict mode) on up to `ProcessorCount.online` cores, one
    /// stretch of whole lines each, and joins the stretches. Returns `nil` — and the caller reads
    /// the file serially, which reports the first problem with its exact line — when any stretch
    /// fails, or when a stretch's first bar does not come after the previous stretch's last.
    /// `workers` is for tests; by default it is the core count (at most 8), and no more than one
    /// per half threshold of bytes.
    static func scanInParallel(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, template: CandleCSVRowScanner,
        workers requested: Int? = nil
    ) -> [Bar]? {
        let workers = requested ?? min(ProcessorCount.online, 8, max(1, (end - start) / (parallelThreshold / 2)))
        guard template.strict, workers >= 2, end > start else { return nil }
        let stretches = stretchCuts(buffer, from: start, to: end, workers: workers)
        // One slot per stretch; nil: the stretch failed.
        let parts = Mutex<[[Bar]?]>(Array(repeating: nil, count: workers))
        WorkerThreads.run(count: workers) { index in
            var scanner = template.emptyCopy()
            // Line numbers only matter in errors, and an error sends the caller to the serial read.
            let ok: Bool
            do throws(TradingError) {
                try scanner.scan(buffer, from: stretches[index], to: stretches[index + 1], lineNumber: 0)
                ok = true
            } catch {
                ok = false
            }
            let bars = ok ? scanner.bars : nil
            parts.withLock { $0[index] = bars }
        }
        let stretchBars = parts.withLock { $0 }.compactMap { $0 }
        guard stretchBars.count == workers else { return nil }
        let total = stretchBars.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        var joined: [Bar] = []
        joined.reserveCapacity(total)
        for part in stretchBars {
            if let first = part.first, let last = joined.last, first.openTime <= last.openTime { return nil }
            joined.append(contentsOf: part)
        }
        return joined
    }
}

extension CandleCSVRowScanner {
    /// `workers + 1` offsets from `start` to `end`, each inner one just after a newline, so every
    /// stretch between two offsets holds whole lines (a stretch may be empty).
    static func stretchCuts(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, workers: Int) -> [Int] {
        var cuts = [start]
        for index in 1..<max(1, workers) {
            var cut = max(cuts[cuts.count - 1], start + (end - start) / workers * index)
            while cut < end, cut > start, buffer[cut - 1] != CandleCSVParser.newline { cut += 1 }
            cuts.append(cut)
        }
        cuts.append(end)
        return cuts
    }
}
