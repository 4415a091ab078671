import TradingCore

/// The result of `CandleCSVParser.parse`: bars in strictly increasing `openTime` order, plus the
/// issues report mode recorded (always empty in strict mode).
public struct ParsedCandles: Sendable, Hashable {
    /// How the file was recognised.
    public enum Layout: Sendable, Hashable {
        /// A header row; `timeColumn` is the header name used for time, as written in the file.
        case header(timeColumn: String)
        /// No header, six columns `timestamp, open, high, low, close, volume`.
        case headerlessOHLCV
        /// No header, the twelve columns of a Binance public kline dump (data.binance.vision).
        case binanceKlines
    }

    public var bars: [Bar]
    public var issues: [CandleCSVIssue]
    public var layout: Layout
    /// Data rows read (blank lines excluded), including rows dropped in report mode.
    public var rowCount: Int

    public init(bars: [Bar], issues: [CandleCSVIssue], layout: Layout, rowCount: Int) {
        self.bars = bars
        self.issues = issues
        self.layout = layout
        self.rowCount = rowCount
    }
}
