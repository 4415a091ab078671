#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import TradingCore

/// Kraken's private stream: WebSocket v2 `executions` on `wss://ws-auth.kraken.com/v2`.
///
/// Every connection first takes a fresh token from `POST /0/private/GetWebSocketsToken` (signed
/// like every private call; Kraken: "obtain a fresh token on each connection"), then sends
/// `{"method":"subscribe","params":{"channel":"executions","token":…,"snap_orders":true,"snap_trades":false}}`.
/// The ack (`success: true`) counts as subscribed; `success: false` (`ESession:Invalid session`,
/// …) closes the connection and the stream retries after its backoff (see ``VenuePrivateStream``).
///
/// The snapshot after each subscribe holds the open orders with their totals (`cum_qty`), which
/// ``KrakenStreamParse`` compares with what it already delivered, so a reconnect repeats no fill.
/// Trades are not snapshotted (`snap_trades: false`): an order that closed while the connection
/// was down is found by the run's REST polling, the fallback for everything the stream misses.
final class KrakenWebSocket: VenueStreamSession {
    static let productionURL = "wss://ws-auth.kraken.com/v2"

    let token: @Sendable () async throws -> String
    private let parser = Mutex(KrakenStreamParse())
    private let stream = VenuePrivateStreamSlot(label: "kraken-private-stream")

    init(token: @escaping @Sendable () async throws -> String) {
        self.token = token
    }

    /// The URL for this configuration: `webSocketURL`, else `baseURL` + `/v2`, else production
    /// (Kraken spot has no sandbox).
    static func url(configuration: VenueConfiguration) -> String {
        VenuePrivateStream.url(configuration: configuration, path: "/v2", production: productionURL, sandbox: productionURL)
            ?? productionURL
    }

    /// Starts the stream on `url` (once) and answers its updates.
    func updates(url: String) -> AsyncStream<VenueOrder> {
        stream.updates(url: url, session: self)
    }

    func stop() async {
        await stream.stop()
    }

    /// The subscribe request for `token`.
    static func subscribeMessage(token: String) -> String {
        #"{"method":"subscribe","params":{"channel":"executions","token":\#(CoinbaseSigner.json(token)),"snap_orders":true,"snap_trades":false}}"#
    }

    // MARK: VenueStreamSession

    func openingMessages() async throws -> [String] {
        [Self.subscribeMessage(token: try await token())]
    }

    func receive(_ text: String) -> VenueStreamReaction {
        guard let frame = try? JSONDecoder().decode(KrakenStreamModels.Frame.self, from: Data(text.utf8)) else { return .none }
        if frame.method == "subscribe" {
            var reaction = VenueStreamReaction()
            if frame.success == true { reaction.subscribed = true } else { reaction.refused = true }
            return reaction
        }
        return VenueStreamReaction(orders: parser.withLock { $0.apply(frame) })
    }
}
