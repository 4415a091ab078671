/// A spot market written `BASE/QUOTE`, e.g. `BTC/USDT`.
///
/// Both parts are 1–20 characters of `A–Z` and `0–9` after upper-casing; anything else is rejected
/// so that a typo never silently becomes a different market.
public struct TradingSymbol: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let base: String
    public let quote: String

    public init(base: String, quote: String) throws(TradingError) {
        let normalizedBase = base.uppercased()
        let normalizedQuote = quote.uppercased()
        guard Self.isValidAsset(normalizedBase), Self.isValidAsset(normalizedQuote) else {
            throw TradingError.invalidSymbol("\(base)/\(quote)")
        }
        self.base = normalizedBase
        self.quote = normalizedQuote
    }

    /// Parses `BASE/QUOTE`.
    public init(parsing text: String) throws(TradingError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw TradingError.invalidSymbol(text) }
        do {
            try self.init(base: String(parts[0]), quote: String(parts[1]))
        } catch {
            throw TradingError.invalidSymbol(text)
        }
    }

    public var description: String { "\(base)/\(quote)" }

    public static func < (lhs: TradingSymbol, rhs: TradingSymbol) -> Bool {
        lhs.description < rhs.description
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func isValidAsset(_ text: String) -> Bool {
        guard (1...20).contains(text.utf8.count) else { return false }
        return text.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
