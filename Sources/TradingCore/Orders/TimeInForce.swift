/// How long an order stays working.
public enum TimeInForce: String, Sendable, Hashable, Codable, CaseIterable {
    /// Good till cancelled: works until filled or cancelled.
    case gtc = "GTC"
    /// Immediate or cancel: fills what it can on its first eligible bar, the rest expires.
    case ioc = "IOC"
    /// Fill or kill: fills completely on its first eligible bar or expires without any fill.
    case fok = "FOK"
}
