import TradingCore

/// Parses OHLCV candle CSV files into `Bar`s, byte by byte (no `String` splitting).
///
/// Accepted layouts (see `docs/market-data.md`):
/// - A header row naming a time column (`timestamp`, `time`, `date`, `open_time` or `datetime`)
///   and `open`, `high`, `low`, `close`, `volume`, in any order and any letter case; other
///   columns are ignored.
/// - No header, 6 columns `timestamp, open, high, low, close, volume`.
/// - No header, 12 columns: a Binance public kline file (`open_time, open, high, low, close,
///   volume, close_time, quote_volume, trades, taker_base, taker_quote, ignore`).
///
/// Timestamps: epoch seconds (< 10^11), milliseconds (< 10^14), microseconds (< 10^17),
/// nanoseconds (otherwise), optionally with a fraction; or ISO 8601 (`ISO8601Text`).
/// The delimiter is `,` (or `;` / tab when the first line has no comma). Fields may be wrapped
/// in double quotes and surrounded by spaces. LF and CRLF line ends, a UTF-8 BOM and blank lines
/// are accepted.
///
/// Every error is a `TradingError` with code `.invalidData`, a message starting with
/// `line N:` (1-based physical line) and details `line`, `reason` and, where relevant, `column`,
/// `value`, `previous_line`.
public enum CandleCSVParser {
    public struct Options: Sendable, Hashable {
        public enum Mode: Sendable, Hashable {
            /// Any duplicate, out-of-order or (when `timeframe` is set) misaligned row is an error.
            /// This is what a backtest uses.
            case strict
            /// Duplicates (later rows dropped), out-of-order rows (bars sorted) and misaligned rows
            /// (dropped) are recorded in `ParsedCandles.issues`; malformed rows are still errors.
            /// This is what `data import` uses.
            case report
        }

        public var mode: Mode
        /// When set, every `openTime` must be a period boundary of this timeframe
        /// (`PeriodCalendar.isAligned`).
        public var timeframe: Timeframe?

        public init(mode: Mode = .strict, timeframe: Timeframe? = nil) {
            self.mode = mode
            self.timeframe = timeframe
        }

        /// Strict increase, no alignment check.
        public static let strict = Options()

        /// Report mode with an alignment check against `timeframe`.
        public static func importing(timeframe: Timeframe?) -> Options {
            Options(mode: .report, timeframe: timeframe)
        }
    }

    /// Reads and parses the file at `path`. A file that cannot be read throws `.dataUnavailable`.
    public static func parse(contentsOf path: String, options: Options = .strict) throws(TradingError) -> ParsedCandles {
        if let mapping = try FileBytes.map(path: path) {
            defer { mapping.unmap() }
            return try parse(bytes: mapping.bytes, options: options)
        }
        let bytes = try FileBytes.read(path: path)
        return try parse(bytes: bytes, options: options)
    }

    public static func parse(text: String, options: Options = .strict) throws(TradingError) -> ParsedCandles {
        try parse(bytes: Array(text.utf8), options: options)
    }

    public static func parse(bytes: [UInt8], options: Options = .strict) throws(TradingError) -> ParsedCandles {
        let result: Result<ParsedCandles, TradingError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(TradingError) {
                return .success(try parse(bytes: buffer, options: options))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parse(bytes buffer: UnsafeBufferPointer<UInt8>, options: Options = .strict) throws(TradingError) -> ParsedCandles {
        let end = buffer.count
        var position = 0
        if end >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }

        // First non-blank line: header or first data row.
        var lineNumber = 0
        var firstLine: (start: Int, end: Int)?
        while position < end {
            lineNumber += 1
            let lineStart = position
            while position < end, buffer[position] != newline { position += 1 }
            let lineEnd = position
            position += 1
            let trimmed = trim(buffer, lineStart, lineEnd, stripQuotes: false)
            if trimmed.start < trimmed.end {
                firstLine = (lineStart, lineEnd)
                break
            }
        }
        guard let firstLine else {
            throw failure(line: 1, reason: "empty_file", "line 1: empty file: expected a header row or candle rows")
        }
        let delimiter = detectDelimiter(buffer, firstLine.start, firstLine.end)
        let firstFields = splitFields(buffer, firstLine.start, firstLine.end, delimiter)
        let headerLine = lineNumber

        // Column roles: 0 time, 1 open, 2 high, 3 low, 4 close, 5 volume.
        var roles: [UInt8]
        var columnNames: [String]
        let layout: ParsedCandles.Layout
        let firstField = trim(buffer, firstFields[0].start, firstFields[0].end, stripQuotes: true)
        let isHeaderless = parseTimestamp(buffer, firstField.start, firstField.end) != nil
        if isHeaderless {
            switch firstFields.count {
            case 6:
                layout = .headerlessOHLCV
                columnNames = ["timestamp", "open", "high", "low", "close", "volume"]
            case 12:
                layout = .binanceKlines
                columnNames = ["open_time", "open", "high", "low", "close", "volume"]
            default:
                throw failure(
                    line: headerLine, reason: "unknown_layout",
                    "line \(headerLine): no header row and \(firstFields.count) columns; expected a header naming timestamp, open, high, low, close, volume, or 6 columns in that order, or the 12 columns of a Binance kline file",
                    ["columns": .number(Double(firstFields.count))])
            }
            roles = [0, 1, 2, 3, 4, 5] + Array(repeating: ignored, count: firstFields.count - 6)
            position = firstLine.start
            lineNumber = headerLine - 1
        } else {
            let names = firstFields.map { field -> String in
                let t = trim(buffer, field.start, field.end, stripQuotes: true)
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[t.start..<t.end]), as: UTF8.self)
            }
            roles = Array(repeating: ignored, count: names.count)
            columnNames = Array(repeating: "", count: 6)
            let lowered = names.map { asciiLowercased($0) }
            var timeRank = Int.max
            for (index, name) in lowered.enumerated() {
                if let rank = timeColumnNames.firstIndex(of: name) {
                    if rank < timeRank {
                        if let previous = roles.firstIndex(of: 0) { roles[previous] = ignored }
                        timeRank = rank
                        roles[index] = 0
                        columnNames[0] = names[index]
                    }
                } else if let role = valueColumnNames.firstIndex(of: name), !roles.contains(UInt8(role + 1)) {
                    roles[index] = UInt8(role + 1)
                    columnNames[role + 1] = names[index]
                }
            }
            let found = names.joined(separator: ", ")
            if timeRank == Int.max {
                throw failure(
                    line: headerLine, reason: "missing_column",
                    "line \(headerLine): missing time column (one of \(timeColumnNames.joined(separator: ", "))) in header (found: \(found))",
                    ["column": .text("timestamp"), "found": .list(names)])
            }
            for (role, name) in valueColumnNames.enumerated() where !roles.contains(UInt8(role + 1)) {
                throw failure(
                    line: headerLine, reason: "missing_column",
                    "line \(headerLine): missing column '\(name)' in header (found: \(found))",
                    ["column": .text(name), "found": .list(names)])
            }
            layout = .header(timeColumn: columnNames[0])
        }

        // Data rows.
        var scanner = CandleCSVRowScanner(
            roles: roles, columnNames: columnNames, delimiter: delimiter, strict: options.mode == .strict,
            timeframe: options.timeframe)
        if scanner.strict, end - position >= CandleCSVRowScanner.parallelThreshold,
           let bars = CandleCSVRowScanner.scanInParallel(buffer, from: position, to: end, template: scanner) {
            return ParsedCandles(bars: bars, issues: [], layout: layout, rowCount: bars.count)
        }
        try scanner.scan(buffer, from: position, to: end, lineNumber: lineNumber)
        let rowCount = scanner.rowCount
        var bars = scanner.bars
        let lines = scanner.lines
        var issues = scanner.issues
        let needsSort = scanner.needsSort

        if rowCount == 0 {
            throw failure(line: headerLine + 1, reason: "no_rows", "line \(headerLine + 1): no candle rows after the header")
        }
        if needsSort {
            let order = bars.indices.sorted { a, b in
                bars[a].openTime != bars[b].openTime ? bars[a].openTime < bars[b].openTime : lines[a] < lines[b]
            }
            var sorted: [Bar] = []
            sorted.reserveCapacity(bars.count)
            var keptLine: Int32 = 0
            for index in order {
                let bar = bars[index]
                if let last = sorted.last, last.openTime == bar.openTime {
                    let line = Int(lines[index])
                    issues.append(CandleCSVIssue(
                        line: line, openTime: bar.openTime, kind: .duplicateTimestamp(firstLine: Int(keptLine)),
                        message: "line \(line): duplicate timestamp \(ISO8601Text.format(bar.openTime)) (\(bar.openTime)), first seen on line \(keptLine)"))
                    continue
                }
                keptLine = lines[index]
                sorted.append(bar)
            }
            bars = sorted
            issues.sort { $0.line < $1.line }
        }
        return ParsedCandles(bars: bars, issues: issues, layout: layout, rowCount: rowCount)
    }

    // MARK: - Helpers

    static let newline = UInt8(ascii: "\n")
    static let ignored: UInt8 = 255
    /// Accepted time column names, in priority order when several are present.
    public static let timeColumnNames = ["open_time", "timestamp", "time", "date", "datetime"]
    static let valueColumnNames = ["open", "high", "low", "close", "volume"]

    static func detectDelimiter(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt8 {
        var semicolon = false
        var tab = false
        for i in start..<end {
            switch buffer[i] {
            case UInt8(ascii: ","): return UInt8(ascii: ",")
            case UInt8(ascii: ";"): semicolon = true
            case UInt8(ascii: "\t"): tab = true
            default: break
            }
        }
        return semicolon ? UInt8(ascii: ";") : tab ? UInt8(ascii: "\t") : UInt8(ascii: ",")
    }

    static func splitFields(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ delimiter: UInt8) -> [(start: Int, end: Int)] {
        var fields: [(start: Int, end: Int)] = []
        var fieldStart = start
        for i in start..<end where buffer[i] == delimiter {
            fields.append((fieldStart, i))
            fieldStart = i + 1
        }
        fields.append((fieldStart, end))
        return fields
    }

    @inline(__always)
    static func trim(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, stripQuotes: Bool) -> (start: Int, end: Int) {
        var s = start
        var e = end
        while s < e, buffer[s] == 0x20 || buffer[s] == 0x09 || buffer[s] == 0x0D { s += 1 }
        while e > s, buffer[e - 1] == 0x20 || buffer[e - 1] == 0x09 || buffer[e - 1] == 0x0D { e -= 1 }
        if stripQuotes, e - s >= 2, buffer[s] == 0x22, buffer[e - 1] == 0x22 {
            s += 1
            e -= 1
        }
        return (s, e)
    }

    /// Epoch number (unit chosen by magnitude) or ISO 8601; milliseconds since the epoch.
    @inline(__always)
    static func parseTimestamp(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var wide: UInt64 = 0
        var digits = 0
        while i < end {
            let d = buffer[i] &- 48
            guard d < 10 else { break }
            guard digits < 19 else { return nil }
            wide = wide &* 10 &+ UInt64(d)
            digits += 1
            i += 1
        }
        guard digits > 0, wide <= UInt64(Int64.max) else { return nil }
        let value = Int64(wide)
        if i < end, buffer[i] != UInt8(ascii: ".") {
            return digits == 4 ? ISO8601Text.parse(buffer, from: start, to: end) : nil
        }
        // Optional fraction, kept to nanosecond precision.
        var fractionNanos: Int64 = 0
        if i < end {
            i += 1
            var scale: Int64 = 100_000_000
            var fractionDigits = 0
            while i < end {
                let d = buffer[i] &- 48
                guard d < 10 else { return nil }
                fractionNanos &+= Int64(d) &* scale
                scale /= 10
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        if value < 100_000_000_000 {  // seconds
            return value * 1000 + fractionNanos / 1_000_000
        } else if value < 100_000_000_000_000 {  // milliseconds
            return value
        } else if value < 100_000_000_000_000_000 {  // microseconds
            return value / 1000
        } else {  // nanoseconds
            return value / 1_000_000
        }
    }

    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    static func failure(line: Int, reason: String, _ message: String, _ extra: [String: TradingError.Detail] = [:]) -> TradingError {
        var details = extra
        details["line"] = .number(Double(line))
        details["reason"] = .text(reason)
        return TradingError(code: .invalidData, message: message, details: details)
    }

    static func malformed(_ buffer: UnsafeBufferPointer<UInt8>, _ field: (start: Int, end: Int), line: Int, column: String, what: String) -> TradingError {
        var text = String(decoding: UnsafeBufferPointer(rebasing: buffer[field.start..<field.end]), as: UTF8.self)
        if text.count > 40 { text = String(text.prefix(40)) + "…" }
        let message = field.start == field.end
            ? "line \(line): empty \(what) in column '\(column)'"
            : "line \(line): malformed \(what) '\(text)' in column '\(column)'"
        return failure(line: line, reason: "malformed_\(what)", message, ["column": .text(column), "value": .text(text)])
    }

    static func inconsistent(_ bar: Bar, line: Int, columnNames: [String]) -> TradingError {
        let prices = [(1, bar.open), (2, bar.high), (3, bar.low), (4, bar.close)]
        if let (role, value) = prices.first(where: { !($0.1 > 0) }) {
            return failure(
                line: line, reason: "non_positive_price", "line \(line): non-positive price \(value) in column '\(columnNames[role])'",
                ["column": .text(columnNames[role])])
        }
        if !(bar.volume >= 0) {
            return failure(
                line: line, reason: "negative_volume", "line \(line): negative volume \(bar.volume) in column '\(columnNames[5])'",
                ["column": .text(columnNames[5])])
        }
        if !(bar.high >= max(bar.open, bar.close)) {
            return failure(
                line: line, reason: "inconsistent_bar",
                "line \(line): inconsistent bar: high \(bar.high) is below max(open, close) \(max(bar.open, bar.close))")
        }
        return failure(
            line: line, reason: "inconsistent_bar",
            "line \(line): inconsistent bar: low \(bar.low) is above min(open, close) \(min(bar.open, bar.close))")
    }

    static func misaligned(_ openTime: Int64, line: Int, timeframe: Timeframe) -> CandleCSVIssue {
        let start = PeriodCalendar.periodStart(containing: openTime, timeframe: timeframe)
        return CandleCSVIssue(
            line: line, openTime: openTime, kind: .misaligned(periodStart: start),
            message: "line \(line): timestamp \(ISO8601Text.format(openTime)) (\(openTime)) is not aligned to the \(timeframe.rawValue) period (period starts \(ISO8601Text.format(start)))")
    }
}
