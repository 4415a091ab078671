import TradingCore

/// What an exchange supports, for `GET /exchanges` and for validating run requests:
/// run modes, candle timeframes, sandbox notes, the credential fields a form must ask for and the
/// default fees. Fees are the venues' published base-tier spot rates (fractions of notional),
/// used as defaults only; see `docs/market-data.md`.
public struct ExchangeCapabilities: Sendable, Hashable, Identifiable {
    /// Run modes of the v1 contract.
    public enum Mode: String, Sendable, Hashable, CaseIterable, Codable {
        case backtest
        case paper
        case sandbox
        case live
    }

    /// One credential input (key names match `exchange_config` in `POST /run/live`).
    public struct CredentialField: Sendable, Hashable {
        /// `apiKey`, `secret` or `password`.
        public let name: String
        public let label: String
        /// True when the UI should mask the value.
        public let isSecret: Bool

        public init(name: String, label: String, isSecret: Bool) {
            self.name = name
            self.label = label
            self.isSecret = isSecret
        }

        public static let apiKey = CredentialField(name: "apiKey", label: "API key", isSecret: false)
        public static let secret = CredentialField(name: "secret", label: "API secret", isSecret: true)
        public static let passphrase = CredentialField(name: "password", label: "API passphrase", isSecret: true)
    }

    /// Lower-case id used in requests (`"sim"`, `"binance"`, …).
    public let id: String
    public let displayName: String
    /// Candle timeframes the venue serves, in the contract's order.
    public let timeframes: [Timeframe]
    public let modes: [Mode]
    /// Where sandbox mode sends orders, or why there is none.
    public let sandboxNotes: String
    public let credentialFields: [CredentialField]
    /// Default maker fee, fraction of notional (0.001 = 0.1 %).
    public let makerFee: Double
    /// Default taker fee, fraction of notional.
    public let takerFee: Double

    public init(
        id: String, displayName: String, timeframes: [Timeframe], modes: [Mode], sandboxNotes: String,
        credentialFields: [CredentialField], makerFee: Double, takerFee: Double
    ) {
        self.id = id
        self.displayName = displayName
        self.timeframes = timeframes
        self.modes = modes
        self.sandboxNotes = sandboxNotes
        self.credentialFields = credentialFields
        self.makerFee = makerFee
        self.takerFee = takerFee
    }

    public func supports(_ mode: Mode) -> Bool { modes.contains(mode) }
    public func supports(_ timeframe: Timeframe) -> Bool { timeframes.contains(timeframe) }

    // MARK: - Catalogue

    /// Every exchange the application knows, `sim` first.
    public static let catalogue: [ExchangeCapabilities] = [.sim, .binance, .bybit, .okx, .kraken, .coinbase]

    /// The catalogue entry with this id (case-insensitive).
    public static func named(_ id: String) -> ExchangeCapabilities? {
        let wanted = String(decoding: id.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        return catalogue.first { $0.id == wanted }
    }

    public static let sim = ExchangeCapabilities(
        id: "sim", displayName: "Simulated (offline)",
        timeframes: Timeframe.allCases,
        modes: [.backtest, .paper],
        sandboxNotes: "Offline deterministic synthetic market; no sandbox or live trading and no credentials. Paper runs replay synthetic bars in real time or accelerated.",
        credentialFields: [],
        makerFee: 0.001, takerFee: 0.001)

    public static let binance = ExchangeCapabilities(
        id: "binance", displayName: "Binance",
        timeframes: Timeframe.allCases,
        modes: Mode.allCases,
        sandboxNotes: "Sandbox uses the Binance Spot Testnet (testnet.binance.vision) with its own API keys.",
        credentialFields: [.apiKey, .secret],
        makerFee: 0.001, takerFee: 0.001)

    public static let bybit = ExchangeCapabilities(
        id: "bybit", displayName: "Bybit",
        timeframes: [.oneMinute, .threeMinutes, .fiveMinutes, .fifteenMinutes, .thirtyMinutes, .oneHour, .twoHours,
                     .fourHours, .sixHours, .twelveHours, .oneDay, .oneWeek, .oneMonth],
        modes: Mode.allCases,
        sandboxNotes: "Sandbox uses the Bybit testnet (testnet.bybit.com) with testnet API keys.",
        credentialFields: [.apiKey, .secret],
        makerFee: 0.001, takerFee: 0.001)

    public static let okx = ExchangeCapabilities(
        id: "okx", displayName: "OKX",
        timeframes: [.oneMinute, .threeMinutes, .fiveMinutes, .fifteenMinutes, .thirtyMinutes, .oneHour, .twoHours,
                     .fourHours, .sixHours, .twelveHours, .oneDay, .threeDays, .oneWeek, .oneMonth],
        modes: Mode.allCases,
        sandboxNotes: "Sandbox uses OKX demo trading with demo-trading API keys (requests carry the simulated-trading header).",
        credentialFields: [.apiKey, .secret, .passphrase],
        makerFee: 0.0008, takerFee: 0.001)

    public static let kraken = ExchangeCapabilities(
        id: "kraken", displayName: "Kraken",
        timeframes: [.oneMinute, .fiveMinutes, .fifteenMinutes, .thirtyMinutes, .oneHour, .fourHours, .oneDay, .oneWeek],
        modes: [.backtest, .paper, .live],
        sandboxNotes: "Kraken has no spot sandbox, so sandbox mode is not offered; use paper mode to trade without real orders.",
        credentialFields: [.apiKey, .secret],
        makerFee: 0.0025, takerFee: 0.004)

    public static let coinbase = ExchangeCapabilities(
        id: "coinbase", displayName: "Coinbase",
        timeframes: [.oneMinute, .fiveMinutes, .fifteenMinutes, .oneHour, .sixHours, .oneDay],
        modes: Mode.allCases,
        sandboxNotes: "Sandbox uses the Coinbase sandbox environment with sandbox API keys.",
        credentialFields: [.apiKey, .secret, .passphrase],
        makerFee: 0.004, takerFee: 0.006)
}
