/// A problem in a CSV row that report mode (`CandleCSVParser.Options.Mode.report`) records
/// instead of failing. The row named by `line` is the one that was dropped or moved.
public struct CandleCSVIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The row repeats the timestamp of the row on `firstLine`; it was dropped (the first
        /// occurrence is kept).
        case duplicateTimestamp(firstLine: Int)
        /// The row's timestamp is earlier than the row on `previousLine`; the bars were sorted.
        case outOfOrder(previousLine: Int)
        /// The timestamp is not a boundary of the requested timeframe (it falls in the period
        /// starting at `periodStart`); the row was dropped.
        case misaligned(periodStart: Int64)
    }

    /// 1-based physical line number in the file.
    public let line: Int
    public let openTime: Int64
    public let kind: Kind
    /// Human-readable, starts with `line N:` like the parser's errors.
    public let message: String

    public init(line: Int, openTime: Int64, kind: Kind, message: String) {
        self.line = line
        self.openTime = openTime
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
