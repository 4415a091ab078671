import AsyncHTTPClient

/// The venue adapters this build has, by exchange id.
public enum VenueCatalog {
    /// Exchange ids with an execution adapter.
    public static var exchanges: [String] { factories.map(\.id) }

    /// Whether `exchange` has a testnet / demo environment for sandbox runs.
    public static func hasSandbox(_ exchange: String) -> Bool {
        factories.first { $0.id == exchange }?.hasSandbox ?? false
    }

    /// The adapter for `exchange`, or nil when this build has none.
    public static func adapter(
        exchange: String, configuration: VenueConfiguration, httpClient: HTTPClient
    ) -> (any VenueAdapter)? {
        factories.first { $0.id == exchange }?.make(configuration, httpClient)
    }

    struct Factory: Sendable {
        let id: String
        let hasSandbox: Bool
        let make: @Sendable (VenueConfiguration, HTTPClient) -> any VenueAdapter
    }

    /// One entry per venue; each venue's folder adds its own line here.
    static let factories: [Factory] = [
        Factory(id: "binance", hasSandbox: true, make: { BinanceAdapter(configuration: $0, httpClient: $1) }),
        Factory(id: "bybit", hasSandbox: true, make: { BybitAdapter(configuration: $0, httpClient: $1) }),
        Factory(id: "okx", hasSandbox: true, make: { OKXAdapter(configuration: $0, httpClient: $1) }),
        Factory(id: "kraken", hasSandbox: false, make: { KrakenAdapter(configuration: $0, httpClient: $1) }),
        Factory(id: "coinbase", hasSandbox: true, make: { CoinbaseAdapter(configuration: $0, httpClient: $1) }),
    ]
}
