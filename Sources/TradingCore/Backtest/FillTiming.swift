/// When a market order fills (`fill_at` in the configuration).
public enum FillTiming: String, Sendable, Hashable, Codable, CaseIterable {
    /// A market order submitted while bar *i* is processed fills at bar *i + 1*'s open (default).
    case nextOpen = "next_open"
    /// A market order submitted while bar *i* is processed fills at bar *i*'s close.
    case close
}
